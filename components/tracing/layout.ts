/**
 * Where tracing lives on the GPU cluster: the collector and Tempo in the GPU cluster's monitoring namespace (beside
 * its Prometheus), reached from outside only through the Gateway's metrics host, with basic auth:
 *   https://<metrics host>/v1/traces  OTLP/HTTP ingest (the AI Deploy app)  → collector :4318
 *   https://<metrics host>/tempo/...  Tempo's HTTP API (Grafana)             → Tempo :3200
 * One place, so the releases, NetworkPolicies, routes and the clients agree.
 */
import { NAMESPACES } from "../gpu/layout";

export const TRACING_NAMESPACE = NAMESPACES.monitoring;

/** opentelemetry-collector chart: release and `fullnameOverride` (Service `otel-collector`). */
export const COLLECTOR = {
  release: "otel-collector",
  service: "otel-collector",
  /** OTLP/gRPC: vLLM pods and Envoy proxies of the cluster. */
  grpcPort: 4317,
  /** OTLP/HTTP: only the Gateway route of the AI Deploy ingest. */
  httpPort: 4318,
  /** Pod labels the chart sets (`opentelemetry-collector.selectorLabels`: chart name + release). */
  podLabels: { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "otel-collector" },
} as const;

/** tempo chart (single binary): release and `fullnameOverride` (Service `tempo`). */
export const TEMPO = {
  release: "tempo",
  service: "tempo",
  /** `tempo.server.http_listen_port`: query API (and /ready). */
  httpPort: 3200,
  /** OTLP/gRPC receiver of the distributor: only the collector. */
  otlpGrpcPort: 4317,
  podLabels: { "app.kubernetes.io/name": "tempo", "app.kubernetes.io/instance": "tempo" },
} as const;

export const COLLECTOR_GRPC_URL = `http://${COLLECTOR.service}.${TRACING_NAMESPACE}.svc.cluster.local:${COLLECTOR.grpcPort}`;
export const TEMPO_OTLP_ENDPOINT = `${TEMPO.service}.${TRACING_NAMESPACE}.svc.cluster.local:${TEMPO.otlpGrpcPort}`;

/** OTLP/HTTP's traces path (the exporter posts to the full URL). */
export const INGEST_PATH = "/v1/traces";
/** Prefix of Tempo's API on the metrics host (rewritten to `/`). */
export const QUERY_PREFIX = "/tempo";

/** Basic-auth users and their htpasswd Secrets (key `.htpasswd`, as Envoy Gateway reads it). */
export const INGEST_AUTH = { user: "otlp", secret: "tracing-ingest-htpasswd" } as const;
export const QUERY_AUTH = { user: "grafana", secret: "tracing-query-htpasswd" } as const;

/** `service.namespace` of every span this program's emitters send. */
export const SERVICE_NAMESPACE = "ovh-llm";
/** `service.name` of the Envoy proxies' spans. */
export const ENVOY_SERVICE_NAME = "envoy-gateway";
/** The EnvoyProxy object our GatewayClass points at (telemetry). */
export const ENVOY_PROXY_NAME = "inference-proxy";

export const ingestUrl = (metricsHost: string) => `https://${metricsHost}${INGEST_PATH}`;
export const queryUrl = (metricsHost: string) => `https://${metricsHost}${QUERY_PREFIX}`;
