/**
 * Alert and recording rules built from the config (`monitoring.alerting.thresholds`, `monitoring.slo`) and the list
 * of deployed models program.ts passes in. Rendered into a PrometheusRule (`spec.groups`) by the monitoring stack;
 * proven by promtool unit tests (tests/observability/promtool.test.ts) and a live Prometheus test. Every alert
 * carries `summary`, `description` and a `runbook_url` to its section of docs/runbooks.md.
 */
import * as yaml from "js-yaml";
import type { AlertThresholds, SloConfig } from "../../config/schema";
import { DCGM_LEGACY_HOSTNAME_LABEL, FEDERATION_JOB } from "../gpu/federation";
import { DCGM, KUBE, PROMETHEUS, VLLM } from "../metrics/catalogue";
import { AI_DEPLOY_TARGETS, LABEL, NOT_AI_DEPLOY_TARGETS, VLLM_TARGETS } from "./conventions";
import { INVENTORY_LABEL, MODEL_INFO, inventoryRules, type MonitoredModel } from "./models";
import { RULE_WINDOW, histCount, bucket, leMatcher, MODEL_GROUPING } from "./queries";
import { INTERLEAVE_RESETS, INTERLEAVE_WINDOW, RECORD, interleavingRules, latencyQuantileRecord, recordingRules, withoutInterleaved } from "./recording";
import { BURN, burnExpr, sloRecordingRules } from "./slo";

export interface PromRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PromRuleGroup {
  name: string;
  interval?: string;
  rules: PromRule[];
}

/** critical pages, warning opens a ticket, info is only shown (Alertmanager routes it to no receiver). */
export type Severity = "critical" | "warning" | "info";

/**
 * One alert, with what tests and docs need besides the rule itself. Annotations use only `{{ $labels.* }}`
 * templates (thresholds are filled in here), so promtool tests can state the exact expected annotations.
 */
export interface AlertDefinition {
  alert: string;
  severity: Severity;
  /** The full alert condition. */
  expr: string;
  /** The measured value before the threshold is applied (must return data on a healthy, loaded system). */
  signal: string;
  /** Pending time; omitted where the windows of the expression already smooth (SLO burn rates). */
  for?: string;
  /** `AlertThresholds` key the threshold comes from, if any. */
  thresholdKey?: keyof AlertThresholds;
  summary: string;
  description: string;
  group: "vllm" | "availability" | "gpu" | "slo";
}

const UP = PROMETHEUS.up.name;
const fmt = (n: number): string => String(n);
const pct = (ratio: number): string => `${Math.round(ratio * 1000) / 10}%`;

/**
 * DCGM series with the node in `hostname` whatever the exporter version wrote (`Hostname` before 4.6.0-4.8.3). The
 * federation relabeling already does this (components/gpu/federation.ts); the rules repeat it so a GPU Prometheus
 * scraped another way, or samples stored before the relabeling, still name the node in the alert.
 */
export function oneNodeLabel(expr: string): string {
  const legacy = DCGM_LEGACY_HOSTNAME_LABEL;
  return `label_replace(label_replace(${expr}, "${LABEL.hostname}", "$1", "${legacy}", "(.+)"), "${legacy}", "", "${legacy}", ".*")`;
}

/** Section anchor of an alert in docs/runbooks.md (its `## <AlertName>` heading, as Markdown renderers slug it). */
export const runbookAnchor = (alert: string): string => alert.toLowerCase();

/** Every alert of the program, thresholds filled in. */
export function alertDefinitions(t: AlertThresholds): AlertDefinition[] {
  const above = (signal: string, threshold: number) => ({ signal, expr: `${signal} > ${fmt(threshold)}` });
  const slowEdge = leMatcher(VLLM.e2eLatency, t.slowRequestSeconds);
  const increaseByModel = (series: string) => `sum by (${MODEL_GROUPING.join(", ")}) (${withoutInterleaved(`increase(${series}[${RULE_WINDOW}])`)})`;
  const slowSignal = `${increaseByModel(histCount(VLLM.e2eLatency))} - ${increaseByModel(`${bucket(VLLM.e2eLatency)}{${slowEdge}}`)}`;
  // A gauge sample is one replica's true value: the minimum over 5 minutes is above the threshold only when every
  // sample was, i.e. the pod stayed full (or every AI Deploy replica the scrape reached did).
  const kvSignal = `min_over_time(${VLLM.kvCacheUsage.name}[${RULE_WINDOW}])`;
  const info = (matchers: string) => `${MODEL_INFO}{${matchers}}`;
  const gpuModels = info(`${INVENTORY_LABEL.kind}="gpu-cluster"`);
  const sts = `${LABEL.namespace}, ${INVENTORY_LABEL.statefulset}`;
  const desired = `max by (${sts}) (${KUBE.statefulsetReplicas.name})`;
  const ready = `max by (${sts}) (${KUBE.statefulsetReplicasReady.name})`;
  const gpuUnavailable =
    // Asked for replicas, none ready: crash loop, Pending (no GPU node), node lost, pods deleted and not back.
    `(${gpuModels} and on (${sts}) (${desired} > 0) and on (${sts}) (${ready} == 0))` +
    // No StatefulSet series at all: deleted, or kube-state-metrics / federation gone. Unknown counts as down.
    ` or (${gpuModels} unless on (${sts}) ${desired})`;
  // No successful scrape of the app's URL; apps allowed to scale to zero are left out (a scrape cannot tell
  // "scaled to zero" from "down" on AI Deploy, see docs/observability.md).
  const aiUnavailable = `${info(`${INVENTORY_LABEL.kind}="ai-deploy",${INVENTORY_LABEL.minReplicas}!="0"`)} unless on (${LABEL.job}) (${UP}{${AI_DEPLOY_TARGETS}} == 1)`;
  const shortfall = `${gpuModels} * on (${sts}) group_left () (${desired} - ${ready})`;
  const fbTotal = `(${DCGM.fbUsed.name} + ${DCGM.fbFree.name} + ${DCGM.fbReserved.name})`;
  const gpuDbe = oneNodeLabel(`increase(${DCGM.eccDbeVolatile.name}[10m])`);
  return [
    {
      alert: "VllmTtftP95High", severity: "warning", group: "vllm", for: "10m", thresholdKey: "ttftP95Seconds",
      ...above(latencyQuantileRecord("ttft", 0.95), t.ttftP95Seconds),
      summary: `vLLM time to first token p95 above ${t.ttftP95Seconds}s for {{ $labels.model_name }}`,
      description: `p95 TTFT over ${RULE_WINDOW} exceeds ${t.ttftP95Seconds}s: requests queue or prefill is slow. Check queue depth, KV cache and replica count.`,
    },
    {
      alert: "VllmTtftP99High", severity: "critical", group: "vllm", for: "5m", thresholdKey: "ttftP99Seconds",
      ...above(latencyQuantileRecord("ttft", 0.99), t.ttftP99Seconds),
      summary: `vLLM time to first token p99 above ${t.ttftP99Seconds}s for {{ $labels.model_name }}`,
      description: `p99 TTFT over ${RULE_WINDOW} exceeds ${t.ttftP99Seconds}s: users wait too long for the first token.`,
    },
    {
      alert: "VllmE2eLatencyP99High", severity: "warning", group: "vllm", for: "10m", thresholdKey: "e2eP99Seconds",
      ...above(latencyQuantileRecord("e2e", 0.99), t.e2eP99Seconds),
      summary: `vLLM end-to-end latency p99 above ${t.e2eP99Seconds}s for {{ $labels.model_name }}`,
      description: `p99 end-to-end request latency over ${RULE_WINDOW} exceeds ${t.e2eP99Seconds}s.`,
    },
    {
      alert: "VllmInterTokenLatencyP99High", severity: "warning", group: "vllm", for: "10m", thresholdKey: "itlP99Seconds",
      ...above(latencyQuantileRecord("itl", 0.99), t.itlP99Seconds),
      summary: `vLLM inter-token latency p99 above ${t.itlP99Seconds}s for {{ $labels.model_name }}`,
      description: `p99 inter-token latency over ${RULE_WINDOW} exceeds ${t.itlP99Seconds}s: decoding is slow (batch too large, preemptions or GPU throttling).`,
    },
    {
      alert: "VllmSlowRequestsPresent", severity: "warning", group: "vllm", for: "1m", thresholdKey: "slowRequestSeconds",
      // increase() extrapolates, so "at least one request" is > 0.5 rather than > 0.
      signal: slowSignal, expr: `(${slowSignal}) > 0.5`,
      summary: `vLLM requests slower than ${t.slowRequestSeconds}s for {{ $labels.model_name }}`,
      description: `Requests took longer than ${t.slowRequestSeconds}s end to end in the last ${RULE_WINDOW}.`,
    },
    {
      alert: "VllmKvCacheNearFull", severity: "warning", group: "vllm", for: "1m", thresholdKey: "kvCacheUsageRatio",
      ...above(kvSignal, t.kvCacheUsageRatio),
      summary: `vLLM KV cache above ${pct(t.kvCacheUsageRatio)} on {{ $labels.instance }} ({{ $labels.model_name }})`,
      description: `KV cache usage stayed above ${pct(t.kvCacheUsageRatio)} for ${RULE_WINDOW} (on AI Deploy: on every replica the scrape reached): new requests wait and running ones get preempted. Add replicas or lower max-num-seqs.`,
    },
    {
      alert: "VllmQueueDepthHigh", severity: "warning", group: "vllm", for: "5m", thresholdKey: "queueDepthPerReplica",
      ...above(RECORD.queueDepthPerReplica, t.queueDepthPerReplica),
      summary: `More than ${t.queueDepthPerReplica} requests waiting per vLLM replica for {{ $labels.model_name }}`,
      description: `More than ${t.queueDepthPerReplica} queued requests per replica: autoscaling is at its maximum or too slow.`,
    },
    {
      alert: "VllmPreemptionRateHigh", severity: "warning", group: "vllm", for: "5m", thresholdKey: "preemptionsPerSecond",
      ...above(RECORD.preemptionRate, t.preemptionsPerSecond),
      summary: `vLLM preempts more than ${t.preemptionsPerSecond} requests/s for {{ $labels.model_name }}`,
      description: `More than ${t.preemptionsPerSecond} preemptions/s: the KV cache is too small for the load.`,
    },
    {
      alert: "VllmHttp5xxRatioHigh", severity: "critical", group: "vllm", for: "5m", thresholdKey: "http5xxRatio",
      ...above(RECORD.http5xxRatio, t.http5xxRatio),
      summary: `More than ${pct(t.http5xxRatio)} of vLLM HTTP responses are 5xx ({{ $labels.job }})`,
      description: `More than ${pct(t.http5xxRatio)} of requests fail with a server error.`,
    },
    {
      alert: "VllmReplicaDown", severity: "warning", group: "availability", for: "2m",
      signal: `${UP}{${VLLM_TARGETS},${NOT_AI_DEPLOY_TARGETS}}`,
      expr: `${UP}{${VLLM_TARGETS},${NOT_AI_DEPLOY_TARGETS}} == 0`,
      summary: "vLLM replica {{ $labels.instance }} is down ({{ $labels.job }})",
      description: "Prometheus cannot scrape a vLLM pod of the GPU cluster for 2 minutes: the pod is crashing, restarting or out of memory.",
    },
    {
      alert: "VllmModelUnavailable", severity: "critical", group: "availability", for: "5m",
      signal: `${MODEL_INFO}`,
      expr: `${gpuUnavailable} or (${aiUnavailable})`,
      summary: "Model {{ $labels.model_name }} ({{ $labels.kind }}) has no ready replica",
      description:
        "A model the program deploys serves nothing: on the GPU cluster its StatefulSet asks for replicas and none is ready (crash loop, Pending, lost node, deleted pods), or its StatefulSet is not reported at all; on AI Deploy no scrape of the app succeeded (app down, or its token is refused). A model scaled to zero on purpose does not fire.",
    },
    {
      alert: "VllmModelDegraded", severity: "warning", group: "availability", for: "15m",
      signal: shortfall,
      expr: `${shortfall} > 0 and on (${sts}) (${ready} > 0)`,
      summary: "Model {{ $labels.model_name }} has fewer ready replicas than its StatefulSet asks for",
      description:
        "The StatefulSet has fewer ready replicas than desired for 15 minutes: a replica is Pending (no free GPU node), crash-looping, or on a lost node. The model still serves, with less capacity than the load needs.",
    },
    {
      alert: "AiDeployMetricsInterleaved", severity: "info", group: "availability", for: "10m",
      signal: RECORD.interleaved,
      expr: `${RECORD.interleaved} > ${INTERLEAVE_RESETS}`,
      summary: "AI Deploy app {{ $labels.job }} answers /metrics from several replicas: rate-based alerts and SLOs are off for it",
      description: `Counters reset more than ${INTERLEAVE_RESETS} time(s) in ${INTERLEAVE_WINDOW}: the scrape alternates between replicas behind one URL. Latency percentiles, 5xx ratio, preemptions, slow requests and the SLOs leave this app out while it lasts (they would be wrong); availability, KV cache and queue alerts still work.`,
    },
    {
      alert: "GpuClusterMetricsDown", severity: "critical", group: "availability", for: "5m",
      signal: `${UP}{${LABEL.job}="${FEDERATION_JOB}"}`,
      expr: `${UP}{${LABEL.job}="${FEDERATION_JOB}"} == 0`,
      summary: "The GPU cluster's Prometheus cannot be federated ({{ $labels.cluster }})",
      description: "The central Prometheus gets no vLLM or DCGM series from the GPU cluster: its Prometheus, the metrics route or the federation password is broken. GPU cluster alerts are blind meanwhile.",
    },
    {
      alert: "GpuTemperatureHigh", severity: "warning", group: "gpu", for: "5m", thresholdKey: "gpuTemperatureCelsius",
      ...above(oneNodeLabel(DCGM.gpuTemp.name), t.gpuTemperatureCelsius),
      summary: `GPU {{ $labels.gpu }} on {{ $labels.hostname }} above ${t.gpuTemperatureCelsius}°C`,
      description: `GPU temperature above ${t.gpuTemperatureCelsius}°C: the GPU will throttle its clocks.`,
    },
    {
      alert: "GpuMemoryNearFull", severity: "warning", group: "gpu", for: "10m", thresholdKey: "gpuMemoryUsedRatio",
      ...above(oneNodeLabel(`${DCGM.fbUsed.name} / ${fbTotal}`), t.gpuMemoryUsedRatio),
      summary: `GPU {{ $labels.gpu }} on {{ $labels.hostname }} memory above ${pct(t.gpuMemoryUsedRatio)} used`,
      description: `GPU framebuffer above ${pct(t.gpuMemoryUsedRatio)} (vLLM reserves --gpu-memory-utilization, 0.9 by default): another process shares the GPU, or the setting is too high.`,
    },
    {
      alert: "GpuEccDoubleBitErrors", severity: "critical", group: "gpu", for: "1m",
      // DCGM_FI_DEV_ECC_* are exported only with our dcgmMetricsCsv() (not a default collector).
      signal: gpuDbe, expr: `${gpuDbe} > 0`,
      summary: "Uncorrectable ECC errors on GPU {{ $labels.gpu }} ({{ $labels.UUID }}) of {{ $labels.hostname }}",
      description: "Double-bit ECC errors in the last 10 minutes: results on this GPU can be wrong. Drain the node and have the GPU checked.",
    },
    {
      alert: "SloErrorBudgetBurnFast", severity: "critical", group: "slo",
      signal: burnExpr(BURN.page).replace(/ > [\d.]+/g, ""),
      expr: burnExpr(BURN.page),
      summary: "{{ $labels.model_name }} burns its {{ $labels.slo }} error budget fast",
      description: `The ${"{{ $labels.slo }}"} SLO of ${"{{ $labels.model_name }}"} burns its error budget ${BURN.page.map((c) => `${c.factor}× over ${c.long} (and ${c.short})`).join(", or ")}: at this pace a 30-day budget lasts ${BURN.page.map((c) => `${Math.round((30 * 24) / c.factor)} h`).join(" / ")}.`,
    },
    {
      alert: "SloErrorBudgetBurnSlow", severity: "warning", group: "slo",
      signal: burnExpr(BURN.ticket).replace(/ > [\d.]+/g, ""),
      expr: burnExpr(BURN.ticket),
      summary: "{{ $labels.model_name }} spends its {{ $labels.slo }} error budget faster than the SLO allows",
      description: `The ${"{{ $labels.slo }}"} SLO of ${"{{ $labels.model_name }}"} burned more than ${BURN.ticket[0].factor}× its error budget over ${BURN.ticket[0].long} (and still over ${BURN.ticket[0].short}): the budget runs out before the SLO window ends. Not urgent; plan the fix.`,
    },
  ];
}

const GROUP_NAMES = { availability: "ovh-llm.availability.alerts", vllm: "ovh-llm.vllm.alerts", gpu: "ovh-llm.gpu.alerts", slo: "ovh-llm.slo.alerts" } as const;
export const INVENTORY_GROUP = "ovh-llm.inventory";
export const INTERLEAVING_GROUP = "ovh-llm.scrape.interleaving";
export const RECORDING_GROUP = "ovh-llm.vllm.recording";
export const SLO_RECORDING_GROUP = "ovh-llm.slo.recording";

export interface RuleOptions {
  environment: string;
  /** Every model the stack deploys (from program.ts). */
  models: readonly MonitoredModel[];
  slo: SloConfig;
  /** URL of docs/runbooks.md as the team publishes it; each alert links to `<url>#<alert name, lower case>`. */
  runbookUrl: string;
}

/** Every alert and recording rule group of the program (PrometheusRule `spec.groups`); recording groups first. */
export function prometheusRuleGroups(thresholds: AlertThresholds, opts: RuleOptions): PromRuleGroup[] {
  const alerts = alertDefinitions(thresholds);
  const toRule = (a: AlertDefinition): PromRule => ({
    alert: a.alert,
    expr: a.expr,
    ...(a.for ? { for: a.for } : {}),
    labels: { severity: a.severity, [LABEL.environment]: opts.environment },
    annotations: { summary: a.summary, description: a.description, runbook_url: `${opts.runbookUrl}#${runbookAnchor(a.alert)}` },
  });
  const record = (r: { record: string; expr: string; labels?: Record<string, string> }): PromRule => ({ record: r.record, expr: r.expr, ...(r.labels ? { labels: r.labels } : {}) });
  return [
    { name: INVENTORY_GROUP, rules: inventoryRules(opts.models, opts.slo).map(record) },
    { name: INTERLEAVING_GROUP, rules: interleavingRules().map(record) },
    { name: RECORDING_GROUP, rules: recordingRules().map(record) },
    { name: SLO_RECORDING_GROUP, rules: sloRecordingRules(opts.slo.window).map(record) },
    ...(Object.keys(GROUP_NAMES) as AlertDefinition["group"][]).map((g) => ({
      name: GROUP_NAMES[g],
      rules: alerts.filter((a) => a.group === g).map(toRule),
    })),
  ];
}

/** A Prometheus rule file (`groups:`) as YAML, the format of `promtool check rules` and `rule_files`. */
export function ruleFileYaml(groups: PromRuleGroup[]): string {
  return yaml.dump({ groups }, { lineWidth: -1, noRefs: true, quotingType: '"' });
}
