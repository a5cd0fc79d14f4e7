/**
 * Where things live on the GPU cluster: namespaces, Helm release names and the in-cluster addresses derived from
 * them. One place, so the NetworkPolicy, KEDA's serverAddress and the gateway routes agree.
 */
import type { GpuClusterConfig } from "../../config/schema";

export const NAMESPACES = {
  gpuOperator: "gpu-operator",
  certManager: "cert-manager",
  /** Envoy Gateway controller; the Envoy proxy pods of our Gateway also run here (default deploy mode). */
  gateway: "envoy-gateway-system",
  keda: "keda",
  /** The GPU cluster's own small Prometheus (kube-prometheus-stack). */
  monitoring: "gpu-monitoring",
} as const;

export const RELEASES = {
  gpuOperator: "gpu-operator",
  certManager: "cert-manager",
  envoyGateway: "envoy-gateway",
  keda: "keda",
  /** Service names of the add-on (`keda-add-ons-http-interceptor-proxy`, `...-external-scaler`) derive from it. */
  kedaHttpAddOn: "keda-add-ons-http",
  /** Also `fullnameOverride`: Prometheus is `gpu-kps-prometheus:9090`; ServiceMonitors need `release: gpu-kps`. */
  prometheus: "gpu-kps",
} as const;

export const GATEWAY_CLASS = "envoy";
export const GATEWAY_NAME = "inference";
/** Envoy Gateway's controller name (the chart creates no GatewayClass). */
export const ENVOY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";
/** Labels Envoy Gateway puts on the Envoy proxy pods it runs for a Gateway. */
export const ENVOY_PROXY_POD_LABELS = { "app.kubernetes.io/component": "proxy", "app.kubernetes.io/managed-by": "envoy-gateway" } as const;
/** Label the prometheus-operator puts on Prometheus pods. */
export const PROMETHEUS_POD_LABELS = { "app.kubernetes.io/name": "prometheus" } as const;

export const VLLM_PORT = 8000;
/** Name of the vLLM port on pods and Services; ServiceMonitors and routes refer to it. */
export const VLLM_PORT_NAME = "http";

export const PROMETHEUS_SERVICE = `${RELEASES.prometheus}-prometheus`;
export const PROMETHEUS_PORT = 9090;
/** KEDA's Prometheus: the GPU cluster's own, which scrapes every vLLM pod. */
export const PROMETHEUS_URL = `http://${PROMETHEUS_SERVICE}.${NAMESPACES.monitoring}.svc.cluster.local:${PROMETHEUS_PORT}`;

export const INTERCEPTOR_PROXY_SERVICE = `${RELEASES.kedaHttpAddOn}-interceptor-proxy`;
export const INTERCEPTOR_PROXY_PORT = 8080;
export const HTTP_ADDON_SCALER_ADDRESS = `${RELEASES.kedaHttpAddOn}-external-scaler.${NAMESPACES.keda}:9090`;

/** Secret holding the vLLM API key (env VLLM_API_KEY) in the inference namespace. */
export const API_KEY_SECRET = { name: "vllm-api-key", key: "api-key" } as const;
/** Secret holding the Hugging Face token (env HF_TOKEN), only when a token is configured. */
export const HF_TOKEN_SECRET = { name: "hf-token", key: "token" } as const;
/** htpasswd Secret of the federation endpoint (key `.htpasswd`, as Envoy Gateway's basicAuth reads it). */
export const FEDERATION_HTPASSWD_SECRET = "federation-htpasswd";
export const FEDERATION_USER = "federate";

/** Host name of the federation endpoint: configured, or `metrics.<domain of the first model's host>`. */
export function metricsHostname(config: Pick<GpuClusterConfig, "models"> & { metricsHostname?: string }): string {
  if (config.metricsHostname) return config.metricsHostname;
  const first = config.models[0].hostname;
  const parent = first.split(".").slice(1).join(".");
  return `metrics.${parent.includes(".") ? parent : first}`;
}
