/**
 * What the demo runs, built by the program's own pure builders from the `dev` stack file — nothing is written out
 * by hand here:
 *   - the scrape job of the AI Deploy app (program.ts `aiDeployScrapeTarget` → `remoteScrapeConfig`), pointed at the
 *     local vLLM stand-in over plain HTTP, bearer token read from a file as in the cluster;
 *   - every alert and recording rule dev renders (program.ts `programRuleGroups`: thresholds, models and SLOs of
 *     dev, and `expectedTargetsRuleGroup` for the AI Deploy job, as components/monitoring/stack.ts installs them);
 *   - Alertmanager's routing and receivers (`alertmanagerConfig`) with dev's alerting plus the webhook receiver on,
 *     its URL file pointing at the local sink.
 * The one change is time: every duration (`for:`, range windows, scrape and evaluation intervals, Alertmanager's
 * group_wait / group_interval / repeat_interval) is divided by `timeScale`, so a `for: 10m` alert fires in 30 s at
 * the default scale of 20. Thresholds (latencies, queue depth, ratios) are untouched. `timeScale: 1` runs the rules
 * verbatim. The scrape and evaluation interval is never below 1 s.
 */
import * as yaml from "js-yaml";
import { servedModelName } from "../components/aideploy/spec";
import { alertmanagerConfig } from "../components/monitoring/alertmanager";
import { ALERTMANAGER_SECRETS_DIR } from "../components/monitoring/names";
import { expectedTargetsRuleGroup } from "../components/monitoring/scrapeTargets";
import { ruleFileYaml, type PromRuleGroup } from "../components/observability/rules";
import { remoteScrapeConfig } from "../components/observability/scrape";
import { parseConfig, type StackConfig } from "../config/schema";
import { readStackDocument } from "../config/stackFile";
import { aiDeployScrapeTarget, programRuleGroups } from "../program";

const UNITS: [string, number][] = [["y", 365 * 86_400_000], ["w", 7 * 86_400_000], ["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]];

/** Milliseconds of a Prometheus duration (`1h30m`, `5m`, `250ms`). */
export function parseDuration(text: string): number {
  const re = /(\d+)(ms|y|w|d|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS.find(([u]) => u === m![2])![1];
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`not a Prometheus duration: "${text}"`);
  return total;
}

/** A Prometheus duration for `ms` (whole milliseconds, at least 1 ms), in its largest exact unit. */
export function formatDuration(ms: number): string {
  const whole = Math.max(1, Math.round(ms));
  for (const [unit, size] of UNITS) if (whole % size === 0) return `${whole / size}${unit}`;
  return `${whole}ms`;
}

const MIN_SCRAPE_MS = 1000;

/** A range window, or a recorded series named for its window (`…:rate6h`, the level:metric:operations convention), of an hour or more. */
const LONG_WINDOW = /(?:\[|rate)\d+(?:h|d|w|y)\b/;

export const scaleDuration = (text: string, timeScale: number): string => formatDuration(parseDuration(text) / timeScale);

/** Divides every range window (`[5m]`, and both parts of a subquery `[30m:1m]`) in a PromQL expression. */
export function scaleRanges(expr: string, timeScale: number): string {
  return expr.replace(/\[(\d+(?:ms|[ywdhms])+)(:(\d+(?:ms|[ywdhms])+)?)?\]/g, (_m, range: string, colon?: string, step?: string) =>
    `[${scaleDuration(range, timeScale)}${colon ? `:${step ? scaleDuration(step, timeScale) : ""}` : ""}]`,
  );
}

export function scaleRuleGroups(groups: PromRuleGroup[], timeScale: number): PromRuleGroup[] {
  return groups.map((g) => ({
    ...g,
    ...(g.interval ? { interval: scaleDuration(g.interval, timeScale) } : {}),
    rules: g.rules.map((r) => ({ ...r, expr: scaleRanges(r.expr, timeScale), ...(r.for ? { for: scaleDuration(r.for, timeScale) } : {}) })),
  }));
}

/** The dev stack's validated config, as `npm run plan -- dev` reads it. */
export function loadStack(stack = "dev"): StackConfig {
  return parseConfig(readStackDocument(stack).projectConfig);
}

export interface DemoRender {
  stack: StackConfig;
  servedModelName: string;
  /** Scaled scrape / evaluation interval. */
  scrapeInterval: string;
  prometheusYaml: string;
  rulesYaml: string;
  alertmanagerYaml: string;
  /** Names of every alert the Prometheus evaluates. */
  alerts: string[];
  /**
   * Alerts that look back an hour or more (SLO error-budget burn rates: 1 h … 3 d windows, 3 min … 3.6 h at the
   * default scale): they keep firing long after a demo's overload, so the demo does not wait for them to resolve.
   */
  longWindowAlerts: string[];
  /** Where the token and webhook URL files must be written (relative to the secrets dir). */
  files: { aiDeployToken: string; webhookUrl: string };
}

/**
 * Prometheus and Alertmanager configs for a stand-in at `target` (host:port). `secretsDir` holds the files the
 * configs read credentials from, laid out as the operator mounts Secrets (<dir>/<secret>/<key>).
 */
export function renderDemo(opts: { stack: StackConfig; target: string; alertmanager: string; secretsDir: string; timeScale: number }): DemoRender {
  const { stack, timeScale } = opts;
  if (!stack.aiDeploy || !stack.monitoring) throw new Error(`the demo needs a stack with aiDeploy and monitoring (environment ${stack.environment})`);
  if (!(timeScale >= 1 && timeScale <= 600)) throw new Error(`--time-scale must be from 1 to 600, got ${timeScale}`);
  // Never below 1 s: a scrape (and its timeout, at most the interval) must fit in it on a busy machine.
  const scrapeInterval = formatDuration(Math.max(MIN_SCRAPE_MS, parseDuration(stack.monitoring.scrapeInterval) / timeScale));
  const job = aiDeployScrapeTarget({ appName: stack.aiDeploy.name, host: opts.target, model: servedModelName(stack.aiDeploy), environment: stack.environment });
  const scrape = remoteScrapeConfig(job, { scrapeInterval, scrapeTimeout: scrapeInterval, scheme: "http", secretsDir: opts.secretsDir });
  // What the monitoring stack installs for dev: the program's rule groups and the expected-targets group.
  const unscaled = [...programRuleGroups(stack, stack.monitoring), expectedTargetsRuleGroup([job.jobName], { environment: stack.environment })];
  const groups = scaleRuleGroups(unscaled, timeScale);
  const prometheus = {
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval, external_labels: { demo: "ovh-llm" } },
    rule_files: ["rules.yml"],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager] }] }] },
    scrape_configs: [scrape],
  };
  // The demo's one config change: the webhook receiver on (dev has no receiver), its URL from the sink.
  const alerting = { ...stack.monitoring.alerting, webhook: true };
  const receiversSecret = "demo-alert-receivers";
  const am = alertmanagerConfig(alerting, receiversSecret) as { route: Record<string, unknown> & { routes: Record<string, unknown>[] }; templates?: string[] };
  const scaleTiming = (r: Record<string, unknown>) => {
    for (const k of ["group_wait", "group_interval", "repeat_interval"]) if (typeof r[k] === "string") r[k] = scaleDuration(r[k] as string, timeScale);
  };
  scaleTiming(am.route);
  am.route.routes.forEach(scaleTiming);
  delete am.templates; // the chart's template dir does not exist here
  const amYaml = yaml.dump(am, { lineWidth: -1, noRefs: true }).split(`${ALERTMANAGER_SECRETS_DIR}/`).join(`${opts.secretsDir}/`);
  return {
    stack,
    servedModelName: servedModelName(stack.aiDeploy),
    scrapeInterval,
    prometheusYaml: yaml.dump(prometheus, { lineWidth: -1, noRefs: true }),
    rulesYaml: ruleFileYaml(groups),
    alertmanagerYaml: amYaml,
    alerts: groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : []))),
    longWindowAlerts: unscaled.flatMap((g) => g.rules.flatMap((r) => (r.alert && LONG_WINDOW.test(r.expr) ? [r.alert] : []))),
    files: { aiDeployToken: `${job.secretName}/${job.secretKey}`, webhookUrl: `${receiversSecret}/webhook-url` },
  };
}
