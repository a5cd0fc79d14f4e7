/**
 * Metrics to the centre: the central Prometheus scrapes the GPU cluster's Prometheus `/federate` (HTTPS, basic auth
 * checked by Envoy Gateway) for the vLLM and DCGM series. Pure helpers; the secret values are handled by the component.
 */
import { createHash } from "crypto";
import { DCGM, exposedSeries, KUBE, NODE, PROMETHEUS, VLLM } from "../metrics/catalogue";
import { LABEL } from "../observability/conventions";
import type { MetricRelabeling, RemoteScrapeTarget } from "../observability/scrape";
import { FEDERATION_USER } from "./layout";

/** One htpasswd line in the only format Envoy's basic-auth filter accepts: `user:{SHA}base64(sha1(password))`. */
export function htpasswdLine(user: string, password: string): string {
  return `${user}:{SHA}${createHash("sha1").update(password, "utf8").digest("base64")}`;
}

const nameRegex = (names: readonly string[]) => names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

/**
 * `match[]` selectors of the federation scrape: every catalogue vLLM series of our namespace with the vLLM pods' `up`
 * (replica-down alerts) and kube-state-metrics' StatefulSet replicas (per-model availability), every DCGM series,
 * and the GPU nodes' node-exporter series (GPU dashboard).
 */
export function federationMatchers(vllmNamespace: string): string[] {
  const vllm = [...Object.values(VLLM), PROMETHEUS.up, ...Object.values(KUBE)].flatMap(exposedSeries);
  const dcgm = Object.values(DCGM).flatMap(exposedSeries);
  const node = Object.values(NODE).flatMap(exposedSeries);
  return [`{__name__=~"${nameRegex(vllm)}",${LABEL.namespace}="${vllmNamespace}"}`, `{__name__=~"${nameRegex(dcgm)}"}`, `{__name__=~"${nameRegex(node)}"}`];
}

/**
 * External labels kube-prometheus-stack's Prometheus adds to what `/federate` returns (prometheus-operator's
 * `prometheusExternalLabelName` / `replicaExternalLabelName` defaults). With two GPU Prometheus replicas behind the
 * metrics route, `prometheus_replica` would alternate and double every series; neither says anything about the GPUs.
 */
export const GPU_PROMETHEUS_EXTERNAL_LABELS = ["prometheus", "prometheus_replica"] as const;

/**
 * dcgm-exporter labels the node `Hostname` up to 4.5.3-4.8.2 and `hostname` from 4.6.0-4.8.3 (NVIDIA/dcgm-exporter
 * commit d5e5f51, "Rename Hostname label to hostname (#655)", `internal/pkg/rendermetrics/render_metrics.go`);
 * gpu-operator v26.7.0 ships 4.6.0-4.8.3, clusters on older operators still send `Hostname`.
 */
export const DCGM_LEGACY_HOSTNAME_LABEL = "Hostname";

/**
 * `metric_relabel_configs` of the federation scrape: one node label (`hostname`) whatever the exporter version, and
 * no GPU Prometheus replica labels. The gpu-operator's DCGM ServiceMonitor takes only target `relabelings`, which
 * cannot rename sample labels, so this is the first place where the rename can be undone.
 */
export function federationMetricRelabelings(): MetricRelabeling[] {
  return [
    { action: "replace", source_labels: [DCGM_LEGACY_HOSTNAME_LABEL], regex: "(.+)", target_label: LABEL.hostname, replacement: "$1" },
    { action: "labeldrop", regex: [DCGM_LEGACY_HOSTNAME_LABEL, ...GPU_PROMETHEUS_EXTERNAL_LABELS].join("|") },
  ];
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
    metricRelabelings: federationMetricRelabelings(),
  };
}
