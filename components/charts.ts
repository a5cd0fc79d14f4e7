/**
 * Pinned Helm charts (versions verified in ../shared/reference/charts.md; their default values are in
 * ../shared/upstream/chart-values/). Every release in the program takes its chart from here.
 */
export interface ChartPin {
  chart: string;
  version: string;
  /** Helm repository URL (`repositoryOpts.repo`), or empty when `chart` is an `oci://` reference. */
  repo: string;
}

export const CHARTS = {
  /** Prometheus operator v0.93.1, Grafana chart 12.11.1 (Grafana 13.2). */
  kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repo: "https://prometheus-community.github.io/helm-charts" },
  gpuOperator: { chart: "gpu-operator", version: "v26.7.0", repo: "https://helm.ngc.nvidia.com/nvidia" },
  keda: { chart: "keda", version: "2.20.2", repo: "https://kedacore.github.io/charts" },
  /** Beta; only installed when scale-to-zero is turned on. */
  kedaHttpAddOn: { chart: "keda-add-ons-http", version: "0.15.0", repo: "https://kedacore.github.io/charts" },
  /** Bundles Gateway API v1.6.1 CRDs. */
  envoyGateway: { chart: "oci://docker.io/envoyproxy/gateway-helm", version: "v1.9.0", repo: "" },
  certManager: { chart: "oci://quay.io/jetstack/charts/cert-manager", version: "v1.21.1", repo: "" },
  /** Collector 0.158.0 (appVersion); run with the contrib image (components/tracing/backendValues.ts). */
  otelCollector: { chart: "opentelemetry-collector", version: "0.170.0", repo: "https://open-telemetry.github.io/opentelemetry-helm-charts" },
  /** Single-binary Tempo 2.10.8 (tempo-distributed 3.x needs Kafka). */
  tempo: { chart: "tempo", version: "2.2.4", repo: "https://grafana-community.github.io/helm-charts" },
  /** Mimir 2.15.0 (appVersion); 5.6.0, not 6.x: tests/fixtures/charts/INDEX.md "Mimir". Platform stack only. */
  mimir: { chart: "mimir-distributed", version: "5.6.0", repo: "https://grafana.github.io/helm-charts" },
} as const satisfies Record<string, ChartPin>;
