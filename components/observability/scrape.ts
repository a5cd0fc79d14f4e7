/**
 * Prometheus scrape jobs for targets outside the monitoring cluster (the AI Deploy app, the GPU cluster's metrics
 * endpoint). Credentials are never inline: the job reads them from a file that kube-prometheus-stack mounts from a
 * Kubernetes Secret listed in `prometheus.prometheusSpec.secrets` (at /etc/prometheus/secrets/<secret>/<key>).
 */

export interface RemoteScrapeTarget {
  /** Unique job name (becomes the `job` label). */
  jobName: string;
  /** host[:port] of the HTTPS endpoint, e.g. `<appId>.app.gra.ai.cloud.ovh.net`. */
  host: string;
  /** Path of the metrics endpoint: `/metrics`, or `/federate` for a Prometheus. */
  metricsPath: string;
  /** URL parameters, e.g. `{ "match[]": ['{job="vllm"}'] }` for federation. */
  params?: Record<string, string[]>;
  /** Bearer token, or basic auth with this user name; the credential itself is the Secret's value. */
  auth: { type: "bearer" } | { type: "basic"; username: string };
  /** Kubernetes Secret (in Prometheus' namespace) holding the credential, and its key. */
  secretName: string;
  secretKey: string;
  /** Static labels on every series of the job (`service`, `model`, `environment`, ...). */
  labels: Record<string, string>;
  /** Keep the target's own labels (federation) instead of prefixing clashes with `exported_`. */
  honorLabels?: boolean;
  /** `metric_relabel_configs`: applied to every scraped sample (label normalization, dropping labels). */
  metricRelabelings?: MetricRelabeling[];
}

/** One Prometheus `relabel_config` in prometheus.yml's snake_case. */
export interface MetricRelabeling {
  action: "replace" | "labeldrop" | "keep" | "drop";
  source_labels?: string[];
  regex?: string;
  target_label?: string;
  replacement?: string;
}

export interface ScrapeOptions {
  scrapeInterval: string;
  scrapeTimeout?: string;
  /** `https` in production; tests against a local plain-HTTP emulator pass `http`. */
  scheme?: "https" | "http";
  /** Where kube-prometheus-stack mounts `prometheusSpec.secrets`; tests point it at a temp dir. */
  secretsDir?: string;
}

export const KPS_SECRETS_DIR = "/etc/prometheus/secrets";

/** One Prometheus `scrape_config` (snake_case, as in prometheus.yml / additionalScrapeConfigs). */
export function remoteScrapeConfig(target: RemoteScrapeTarget, opts: ScrapeOptions): Record<string, unknown> {
  const credentialsFile = `${opts.secretsDir ?? KPS_SECRETS_DIR}/${target.secretName}/${target.secretKey}`;
  const scheme = opts.scheme ?? "https";
  return {
    job_name: target.jobName,
    scheme,
    metrics_path: target.metricsPath,
    ...(target.params ? { params: target.params } : {}),
    scrape_interval: opts.scrapeInterval,
    scrape_timeout: opts.scrapeTimeout ?? "10s",
    ...(target.honorLabels ? { honor_labels: true } : {}),
    ...(target.auth.type === "bearer"
      ? { authorization: { type: "Bearer", credentials_file: credentialsFile } }
      : { basic_auth: { username: target.auth.username, password_file: credentialsFile } }),
    ...(scheme === "https" ? { tls_config: { insecure_skip_verify: false } } : {}),
    static_configs: [{ targets: [target.host], labels: target.labels }],
    ...(target.metricRelabelings?.length ? { metric_relabel_configs: target.metricRelabelings } : {}),
  };
}
