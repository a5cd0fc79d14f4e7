/**
 * Remote scrape targets as prometheus-operator objects, outside the Helm release: one `ScrapeConfig`
 * (monitoring.coreos.com/v1alpha1, CRD shipped by kube-prometheus-stack 88.5.3 / operator v0.93.1) and one Secret
 * per target. The Prometheus CR selects every ScrapeConfig (`scrapeConfigSelector: {}` and
 * `scrapeConfigNamespaceSelector: {}`, rendered from `scrapeConfigSelectorNilUsesHelmValues: false`, values.ts), and
 * the operator regenerates and reloads the Prometheus configuration when one is added, changed or removed. So a
 * target is added when it exists, changed on its own, and never makes Prometheus wait for it or restart.
 *
 * Credentials stay in the Secret: the ScrapeConfig names it (SecretKeySelector); the operator reads it and writes the
 * generated configuration into its own Secret. Pure builders; `ScrapeTarget` (scrapeTarget.ts) wraps them.
 */
import type { K8sObject } from "../gpu/k8s";
import { LABEL } from "../observability/conventions";
import { runbookAnchor, type PromRuleGroup } from "../observability/rules";
import type { MetricRelabeling, RemoteScrapeTarget } from "../observability/scrape";

/**
 * Key of the basic-auth user name in a target's Secret: the ScrapeConfig's `basicAuth.username` is a SecretKeySelector
 * (CRD v0.93.1), so the user name sits next to the password.
 */
export const USERNAME_KEY = "username";

/** Kubernetes object names (DNS-1123 subdomain) and Secret data keys. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** What Prometheus and Kubernetes would refuse later, with the target named. */
export function checkScrapeTarget(t: RemoteScrapeTarget): void {
  if (!DNS_SUBDOMAIN.test(t.jobName)) throw new Error(`scrape target ${t.jobName}: the job name names its ScrapeConfig and must be a Kubernetes object name`);
  if (!DNS_SUBDOMAIN.test(t.secretName)) throw new Error(`scrape target ${t.jobName}: secretName "${t.secretName}" is not a Kubernetes object name`);
  if (!SECRET_KEY.test(t.secretKey) || t.secretKey === USERNAME_KEY) throw new Error(`scrape target ${t.jobName}: secretKey "${t.secretKey}" is not a valid Secret key (or is "${USERNAME_KEY}")`);
}

/** Job names and Secret names must be unique across the targets of one Prometheus. */
export function checkUnique(jobs: readonly string[]): void {
  const seen = new Set<string>();
  for (const j of jobs) {
    if (seen.has(j)) throw new Error(`two remote scrape targets share the job name "${j}"`);
    seen.add(j);
  }
}

/** The Secret's data: the credential under `secretKey`, plus the user name for basic auth. */
export function credentialData(t: RemoteScrapeTarget, credential: string): Record<string, string> {
  return { [t.secretKey]: credential, ...(t.auth.type === "basic" ? { [USERNAME_KEY]: t.auth.username } : {}) };
}

export interface ScrapeConfigOptions {
  namespace: string;
  /** The kube-prometheus-stack release: `release` label, like the program's other monitoring objects. */
  release: string;
  scrapeInterval: string;
  scrapeTimeout?: string;
  labels?: Record<string, string>;
}

/**
 * The ScrapeConfig of one target. Same scrape as `remoteScrapeConfig` (components/observability/scrape.ts, the form
 * proven against a real Prometheus): the operator turns `jobName` into the `job` label (CRD: "the job label is set by
 * means of relabeling configs"), `scheme`, `metricsPath`, `params`, `honorLabels`, `scrapeInterval`, `scrapeTimeout`,
 * `tlsConfig`, `staticConfigs` and `metricRelabelings` into their snake_case fields, and inlines the credentials it reads from the Secret.
 */
export function scrapeConfigObject(t: RemoteScrapeTarget, opts: ScrapeConfigOptions): K8sObject {
  checkScrapeTarget(t);
  const ref = (key: string) => ({ name: t.secretName, key });
  return {
    apiVersion: "monitoring.coreos.com/v1alpha1",
    kind: "ScrapeConfig",
    metadata: { name: t.jobName, namespace: opts.namespace, labels: { ...opts.labels, release: opts.release } },
    spec: {
      jobName: t.jobName,
      scheme: "HTTPS",
      metricsPath: t.metricsPath,
      ...(t.params ? { params: t.params } : {}),
      scrapeInterval: opts.scrapeInterval,
      scrapeTimeout: opts.scrapeTimeout ?? "10s",
      ...(t.honorLabels ? { honorLabels: true } : {}),
      ...(t.auth.type === "bearer"
        ? { authorization: { type: "Bearer", credentials: ref(t.secretKey) } }
        : { basicAuth: { username: ref(USERNAME_KEY), password: ref(t.secretKey) } }),
      tlsConfig: { insecureSkipVerify: false },
      staticConfigs: [{ targets: [t.host], labels: t.labels }],
      ...(t.metricRelabelings?.length ? { metricRelabelings: t.metricRelabelings.map(camelRelabeling) } : {}),
    },
  };
}

/** A `metric_relabel_configs` entry in the ScrapeConfig CRD's camelCase (`metricRelabelings[]`: sourceLabels, targetLabel). */
function camelRelabeling(r: MetricRelabeling): Record<string, unknown> {
  return {
    action: r.action,
    ...(r.source_labels ? { sourceLabels: r.source_labels } : {}),
    ...(r.regex !== undefined ? { regex: r.regex } : {}),
    ...(r.target_label ? { targetLabel: r.target_label } : {}),
    ...(r.replacement !== undefined ? { replacement: r.replacement } : {}),
  };
}

export const EXPECTED_TARGETS_GROUP = "ovh-llm.scrape-targets.alerts";

/**
 * One alert for every target the configuration expects but Prometheus does not scrape at all: its ScrapeConfig was
 * never created because what it watches (an AI Deploy app, a GPU cluster) failed to come up. `up == 0` alerts cover a
 * target that exists and does not answer; this covers the one that does not exist. `absent(up{job="x"})` keeps the
 * `job` label of its equality matcher, so the alert names the job.
 */
export function expectedTargetsRuleGroup(jobs: readonly string[], opts: { environment: string; runbookUrl?: string }): PromRuleGroup {
  return {
    name: EXPECTED_TARGETS_GROUP,
    rules:
      jobs.length === 0
        ? []
        : [
            {
              alert: "ScrapeTargetMissing",
              expr: jobs.map((j) => `absent(up{${LABEL.job}="${j}"})`).join(" or "),
              for: "15m",
              labels: { severity: "critical", [LABEL.environment]: opts.environment },
              annotations: {
                summary: "Prometheus has no target for job {{ $labels.job }}",
                description:
                  "The configuration expects this scrape target, but it was never created: what it watches (the AI Deploy app, the GPU cluster's metrics endpoint) failed or is still being created. See the last `pulumi up` and the AI Deploy app's state (`ovhai app get`).",
                ...(opts.runbookUrl ? { runbook_url: `${opts.runbookUrl}#${runbookAnchor("ScrapeTargetMissing")}` } : {}),
              },
            },
          ],
  };
}
