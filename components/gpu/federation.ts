/**
 * Metrics to the centre: the central Prometheus scrapes the GPU cluster's Prometheus `/federate` (HTTPS, basic auth
 * checked by Envoy Gateway) for the vLLM and DCGM series. Pure helpers; the secret values are handled by the component.
 */
import { createHash } from "crypto";
import { DCGM, exposedSeries, NODE, PROMETHEUS, VLLM } from "../metrics/catalogue";
import { LABEL } from "../observability/conventions";
import type { RemoteScrapeTarget } from "../observability/scrape";
import { FEDERATION_USER } from "./layout";

/** One htpasswd line in the only format Envoy's basic-auth filter accepts: `user:{SHA}base64(sha1(password))`. */
export function htpasswdLine(user: string, password: string): string {
  return `${user}:{SHA}${createHash("sha1").update(password, "utf8").digest("base64")}`;
}

const nameRegex = (names: readonly string[]) => names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

/**
 * `match[]` selectors of the federation scrape: every catalogue vLLM series of our namespace with the vLLM pods' `up`
 * (replica-down alerts), every DCGM series, and the GPU nodes' node-exporter series (GPU dashboard).
 */
export function federationMatchers(vllmNamespace: string): string[] {
  const vllm = [...Object.values(VLLM), PROMETHEUS.up].flatMap(exposedSeries);
  const dcgm = Object.values(DCGM).flatMap(exposedSeries);
  const node = Object.values(NODE).flatMap(exposedSeries);
  return [`{__name__=~"${nameRegex(vllm)}",${LABEL.namespace}="${vllmNamespace}"}`, `{__name__=~"${nameRegex(dcgm)}"}`, `{__name__=~"${nameRegex(node)}"}`];
}

/** Defaults of the scrape target the monitoring stack consumes. */
export const FEDERATION_SECRET = { name: "gpu-federation", key: "password" } as const;
export const FEDERATION_JOB = "gpu-cluster-federation";
/** `cluster` label value of every GPU cluster series in the central Prometheus. */
export const GPU_CLUSTER_LABEL = "gpu";

/** The `/federate` scrape target for MonitoringStack's `scrapeTargets` (credential passed separately, as a secret). */
export function federationScrapeTarget(opts: { metricsHostname: string; environment: string; vllmNamespace: string }): RemoteScrapeTarget {
  return {
    jobName: FEDERATION_JOB,
    host: opts.metricsHostname,
    metricsPath: "/federate",
    params: { "match[]": federationMatchers(opts.vllmNamespace) },
    auth: { type: "basic", username: FEDERATION_USER },
    secretName: FEDERATION_SECRET.name,
    secretKey: FEDERATION_SECRET.key,
    labels: { [LABEL.cluster]: GPU_CLUSTER_LABEL, [LABEL.environment]: opts.environment },
    // Keep pod/namespace/model_name/gpu labels of the federated series as they are.
    honorLabels: true,
  };
}
