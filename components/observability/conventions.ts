/**
 * Label and job-name conventions shared by scrape configs, rules, dashboards and autoscalers. The monitoring,
 * AI Deploy and GPU engineers build their scrape jobs / ServiceMonitors with these, so the queries here match.
 */

/** Label names as they arrive in the monitoring Prometheus. */
export const LABEL = {
  /** vLLM's own label on every engine metric (= `--served-model-name`). */
  modelName: "model_name",
  /** Static label on every vLLM scrape target (AI Deploy job, GPU cluster pods): `service="vllm"`. */
  service: "service",
  /** Static label of AI Deploy jobs: short model name (not vLLM's `model_name`). */
  model: "model",
  environment: "environment",
  job: "job",
  instance: "instance",
  /** GPU cluster series (kube SD / ServiceMonitor). */
  namespace: "namespace",
  pod: "pod",
  /** Added to every GPU cluster series so fleets of clusters can be told apart. */
  cluster: "cluster",
  /** DCGM exporter labels (dcgm-exporter 4.8.3: `hostname` = node name). */
  gpu: "gpu",
  gpuUuid: "UUID",
  gpuModel: "modelName",
  hostname: "hostname",
} as const;

/** Value of `service` on every vLLM scrape target. GPU cluster ServiceMonitors set it with a relabeling. */
export const VLLM_SERVICE = "vllm";

/** AI Deploy scrape jobs are named `ai-deploy-<app name>`; alerts select them with `job=~"ai-deploy-.+"`. */
export const AI_DEPLOY_JOB_PREFIX = "ai-deploy-";

/** Job name of the scrape job of one AI Deploy app. */
export function aiDeployJobName(appName: string): string {
  return `${AI_DEPLOY_JOB_PREFIX}${appName}`;
}

/** Static labels of an AI Deploy scrape job (pass as `RemoteScrapeTarget.labels`). */
export function aiDeployJobLabels(opts: { model: string; environment: string }): Record<string, string> {
  return { [LABEL.service]: VLLM_SERVICE, [LABEL.model]: opts.model, [LABEL.environment]: opts.environment };
}

/** PromQL matcher selecting every vLLM scrape target: `service="vllm"`. */
export const VLLM_TARGETS = `${LABEL.service}="${VLLM_SERVICE}"`;

/** PromQL matcher selecting AI Deploy scrape jobs. */
export const AI_DEPLOY_TARGETS = `${LABEL.job}=~"${AI_DEPLOY_JOB_PREFIX}.+"`;

/** PromQL matcher excluding AI Deploy scrape jobs (GPU cluster pods only). */
export const NOT_AI_DEPLOY_TARGETS = `${LABEL.job}!~"${AI_DEPLOY_JOB_PREFIX}.+"`;
