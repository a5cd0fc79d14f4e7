/**
 * Helm values of the GPU cluster's charts, as pure functions of the config. Every path exists in the pinned chart's
 * default values (../shared/upstream/chart-values/, checked by tests/gpuValues.test.ts), except inside free-form maps.
 */
import type { GpuClusterConfig } from "../../config/schema";
import { NAMESPACES, RELEASES } from "./layout";

export interface GpuOperatorValuesOptions {
  /**
   * DCGM exporter metrics CSV (`DCGM_FIELD, type, help` rows). It REPLACES the exporter's default list, so it must name
   * every DCGM series we use (the observability module's `dcgmMetricsCsv()` does). Omit to keep the default list.
   */
  dcgmMetricsCsv?: string;
}

/** ConfigMap the operator creates from `dcgmExporter.config.data` (gpu-operator v26.7.0, key `dcgm-metrics.csv`). */
export const DCGM_CONFIGMAP = "dcgm-exporter-metrics";

/** gpu-operator v26.7.0 values. */
export function gpuOperatorValues(config: Pick<GpuClusterConfig, "gpuDriverVersion">, opts: GpuOperatorValuesOptions = {}): Record<string, unknown> {
  return {
    // The driver must support the vLLM image's CUDA (vLLM ≥ 0.30 images: CUDA 13, driver ≥ 580).
    driver: { enabled: true, version: config.gpuDriverVersion },
    toolkit: { enabled: true },
    devicePlugin: { enabled: true },
    gfd: { enabled: true },
    nfd: { enabled: true },
    dcgmExporter: {
      enabled: true,
      serviceMonitor: {
        enabled: true,
        interval: "15s",
        // Keep the GPU's pod/namespace/container labels as they are (default false renames them exported_*).
        honorLabels: true,
        // kube-prometheus-stack selects ServiceMonitors labelled with its release.
        additionalLabels: { release: RELEASES.prometheus },
      },
      // `config` is documented (commented) in v26.7.0's values: name/create/data → ConfigMap key dcgm-metrics.csv.
      ...(opts.dcgmMetricsCsv ? { config: { name: DCGM_CONFIGMAP, create: true, data: opts.dcgmMetricsCsv } } : {}),
    },
  };
}

/** cert-manager v1.21.1 values: CRDs from the chart, and the Gateway API shim (Certificates from Gateway listeners). */
export function certManagerValues(): Record<string, unknown> {
  return {
    crds: { enabled: true },
    // `config` is the free-form ControllerConfiguration; v1.21.1's values document `gatewayAPI.enabled` in it.
    config: { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", gatewayAPI: { enabled: true } },
  };
}

/** Envoy Gateway v1.9.0 values: chart defaults (CRDs on); GatewayClass and Gateway are ours. */
export function envoyGatewayValues(): Record<string, unknown> {
  return { crds: { enabled: true } };
}

/** KEDA 2.20.2 values: defaults (CRDs on). */
export function kedaValues(): Record<string, unknown> {
  return { crds: { install: true } };
}

/** Longest a request may take end to end (long non-streamed generations); also the Envoy route timeout. */
export const REQUEST_TIMEOUT = "1h";

/** keda-add-ons-http 0.15.0 (beta) values, only installed when scale-to-zero is on. */
export function kedaHttpAddOnValues(): Record<string, unknown> {
  return {
    crds: { install: true },
    interceptor: {
      // Default 3 replicas; 2 keep it highly available on a small CPU pool.
      replicas: { min: 2 },
      // Non-streamed completions send headers only at the end: the 300 s default would cut long generations.
      responseHeaderTimeout: REQUEST_TIMEOUT,
    },
  };
}

export interface GpuPrometheusOptions {
  retention: string;
  scrapeInterval: string;
  /** Namespace of the vLLM StatefulSets: the only one kube-state-metrics watches. */
  vllmNamespace?: string;
}

/**
 * kube-prometheus-stack 88.5.3 values of the GPU cluster's small Prometheus: no Grafana, no Alertmanager,
 * kube-state-metrics for the vLLM StatefulSets only, node-exporter on every node, short retention. It scrapes vLLM and DCGM ServiceMonitors (label `release: gpu-kps`), is
 * KEDA's serverAddress, and serves `/federate` to the central Prometheus.
 */
export function gpuPrometheusValues(opts: GpuPrometheusOptions = { retention: "2d", scrapeInterval: "15s" }): Record<string, unknown> {
  return {
    fullnameOverride: RELEASES.prometheus,
    crds: { enabled: true },
    defaultRules: { create: false },
    grafana: { enabled: false },
    alertmanager: { enabled: false },
    // The GPU nodes' CPU/RAM/network/disk panels need their node-exporter series (federated to the centre).
    // Its subchart tolerates NoSchedule taints by default, so it also runs on the tainted GPU nodes.
    nodeExporter: { enabled: true },
    // Desired vs ready replicas of each model's StatefulSet (per-model availability alerts, federated centrally).
    // Only the StatefulSet collector, only the vLLM namespace: a handful of series.
    kubeStateMetrics: { enabled: true },
    "kube-state-metrics": { collectors: ["statefulsets"], ...(opts.vllmNamespace ? { namespaces: opts.vllmNamespace } : {}) },
    prometheus: {
      prometheusSpec: {
        retention: opts.retention,
        scrapeInterval: opts.scrapeInterval,
        serviceMonitorSelectorNilUsesHelmValues: true,
        resources: { requests: { cpu: "200m", memory: "1Gi" }, limits: { memory: "4Gi" } },
      },
    },
  };
}

/** Namespace each release goes to (also used by tests). */
export const RELEASE_NAMESPACE = {
  [RELEASES.gpuOperator]: NAMESPACES.gpuOperator,
  [RELEASES.certManager]: NAMESPACES.certManager,
  [RELEASES.envoyGateway]: NAMESPACES.gateway,
  [RELEASES.keda]: NAMESPACES.keda,
  [RELEASES.kedaHttpAddOn]: NAMESPACES.keda,
  [RELEASES.prometheus]: NAMESPACES.monitoring,
} as const;
