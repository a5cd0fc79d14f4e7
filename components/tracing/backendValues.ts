/**
 * Helm values of the tracing backend on the GPU cluster (pure): the OpenTelemetry Collector (chart
 * opentelemetry-collector 0.170.0, collector 0.158.0, contrib image) and Tempo (chart tempo 2.2.4, single binary,
 * Tempo 2.10.8). Every values path is one of the chart's values.yaml (tests/tracing/render.test.ts walks them and
 * renders both charts with the real helm).
 *
 * Storage: Tempo keeps traces on a PersistentVolumeClaim (local backend). OVH Object Storage (S3) is the intended
 * home once the platform stack's object storage mechanism exists (issue #14, components/objectstorage/): it had not
 * landed when tracing was built, so traces live on one Cinder volume and are lost with it; docs/tracing.md says so.
 */
import type { TracingConfig } from "../../config/schema";
import { COLLECTOR, TEMPO, TEMPO_OTLP_ENDPOINT } from "./layout";
import type { TailSamplingConfig } from "./sampling";

/** The contrib distribution: `tail_sampling` is not in the core one. Tag = the chart's appVersion, pinned. */
export const COLLECTOR_IMAGE = { repository: "otel/opentelemetry-collector-contrib", tag: "0.158.0" } as const;
/** Tempo image = the tempo chart 2.2.4 appVersion, pinned. */
export const TEMPO_IMAGE = { repository: "grafana/tempo", tag: "2.10.8" } as const;

/** The collector's pipeline: what the tests check against the contrib 0.158.0 component list. */
export const COLLECTOR_PIPELINE = {
  receivers: ["otlp"],
  // memory_limiter first (refuses data before the process runs out), batch last (after the decision).
  processors: ["memory_limiter", "tail_sampling", "batch"],
  exporters: ["otlp/tempo"],
} as const;

export function collectorValues(sampling: TailSamplingConfig): Record<string, unknown> {
  const off = { enabled: false };
  return {
    mode: "deployment",
    fullnameOverride: COLLECTOR.service,
    image: COLLECTOR_IMAGE,
    // One replica: tail sampling needs every span of a trace in the same process (more replicas need a
    // loadbalancing-exporter tier routing by trace id in front, which this program does not build).
    replicaCount: 1,
    ports: { "jaeger-compact": off, "jaeger-thrift": off, "jaeger-grpc": off, zipkin: off },
    resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } },
    config: {
      // The chart's defaults also define jaeger, zipkin and prometheus receivers and a debug exporter: removed.
      receivers: {
        jaeger: null,
        zipkin: null,
        prometheus: null,
        otlp: { protocols: { grpc: { endpoint: `\${env:MY_POD_IP}:${COLLECTOR.grpcPort}` }, http: { endpoint: `\${env:MY_POD_IP}:${COLLECTOR.httpPort}` } } },
      },
      processors: { tail_sampling: sampling },
      exporters: {
        debug: null,
        // In-cluster to Tempo's distributor; Tempo's OTLP port admits only the collector (NetworkPolicy).
        "otlp/tempo": { endpoint: TEMPO_OTLP_ENDPOINT, tls: { insecure: true } },
      },
      service: {
        pipelines: {
          traces: { ...COLLECTOR_PIPELINE },
          metrics: null,
          logs: null,
        },
      },
    },
  };
}

export function tempoValues(tracing: Pick<TracingConfig, "retentionHours" | "storageSize" | "storageClass">): Record<string, unknown> {
  return {
    fullnameOverride: TEMPO.service,
    tempo: {
      repository: TEMPO_IMAGE.repository,
      tag: TEMPO_IMAGE.tag,
      retention: `${tracing.retentionHours}h`,
      reportingEnabled: false,
      resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } },
      storage: { trace: { backend: "local", local: { path: "/var/tempo/traces" }, wal: { path: "/var/tempo/wal" } } },
      // Receivers stay the chart's (its Service template needs the Jaeger ones): the NetworkPolicy admits only the
      // collector, on OTLP/gRPC, and the Gateway, on the query port.
    },
    persistence: { enabled: true, accessModes: ["ReadWriteOnce"], size: tracing.storageSize, storageClassName: tracing.storageClass },
  };
}

/** Values paths the charts document only as comments (their templates read them); the render test checks the comment. */
export const COMMENTED_UPSTREAM_VALUES = ["persistence.storageClassName"] as const;
/** Below these paths our keys are free-form (the collector config, Tempo receiver configs). */
export const FREE_FORM_VALUES = ["config", "tempo.storage", "tempo.resources", "resources"] as const;
