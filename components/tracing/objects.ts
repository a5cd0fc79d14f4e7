/**
 * Kubernetes objects of the tracing backend on the GPU cluster (pure): who may reach the collector and Tempo, and
 * the two authenticated routes on the Gateway's metrics host. Gateway API v1.6.1 / Envoy Gateway v1.9.0 fields.
 *
 * No endpoint without a credential is reachable from outside the cluster:
 *  - collector OTLP/gRPC :4317 — the vLLM pods of the inference namespace and the Envoy proxies (NetworkPolicy);
 *  - collector OTLP/HTTP :4318 — the Envoy proxies only, i.e. the `/v1/traces` route, which checks basic auth;
 *  - Tempo OTLP/gRPC :4317 — the collector only; Tempo HTTP :3200 — the Envoy proxies only, i.e. the `/tempo`
 *    route, which checks basic auth (another user than ingest).
 */
import { ENVOY_PROXY_POD_LABELS, GATEWAY_NAME, NAMESPACES } from "../gpu/layout";
import type { K8sObject } from "../gpu/k8s";
import { COLLECTOR, INGEST_AUTH, INGEST_PATH, QUERY_AUTH, QUERY_PREFIX, TEMPO, TRACING_NAMESPACE } from "./layout";

/** The listener of the metrics host (components/gpu/gateway.ts names it `https-<suffix>`). */
const METRICS_LISTENER = "https-metrics";
const LABELS = { "app.kubernetes.io/part-of": "ovh-llm", "app.kubernetes.io/managed-by": "pulumi" };

const nsSelector = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });
const envoyPods = { namespaceSelector: nsSelector(NAMESPACES.gateway), podSelector: { matchLabels: { ...ENVOY_PROXY_POD_LABELS } } };
const tcp = (port: number) => ({ protocol: "TCP", port });

export function collectorNetworkPolicy(vllmNamespace: string): K8sObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${COLLECTOR.service}-ingress`, namespace: TRACING_NAMESPACE, labels: LABELS },
    spec: {
      podSelector: { matchLabels: { ...COLLECTOR.podLabels } },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ namespaceSelector: nsSelector(vllmNamespace), podSelector: { matchLabels: { "app.kubernetes.io/name": "vllm" } } }, envoyPods], ports: [tcp(COLLECTOR.grpcPort)] },
        { from: [envoyPods], ports: [tcp(COLLECTOR.httpPort)] },
      ],
    },
  };
}

export function tempoNetworkPolicy(): K8sObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${TEMPO.service}-ingress`, namespace: TRACING_NAMESPACE, labels: LABELS },
    spec: {
      podSelector: { matchLabels: { ...TEMPO.podLabels } },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: { matchLabels: { ...COLLECTOR.podLabels } } }], ports: [tcp(TEMPO.otlpGrpcPort)] },
        { from: [envoyPods], ports: [tcp(TEMPO.httpPort)] },
      ],
    },
  };
}

const parentRefs = [{ name: GATEWAY_NAME, namespace: NAMESPACES.gateway, sectionName: METRICS_LISTENER }];

/** `POST https://<metrics host>/v1/traces` → the collector's OTLP/HTTP receiver (the AI Deploy app's spans). */
export function ingestRoute(metricsHostname: string): K8sObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "otlp-ingest", namespace: TRACING_NAMESPACE, labels: LABELS },
    spec: {
      parentRefs,
      hostnames: [metricsHostname],
      rules: [
        {
          matches: [{ path: { type: "Exact", value: INGEST_PATH }, method: "POST" }],
          backendRefs: [{ kind: "Service", group: "", name: COLLECTOR.service, port: COLLECTOR.httpPort }],
          timeouts: { request: "30s" },
        },
      ],
    },
  };
}

/** `https://<metrics host>/tempo/...` → Tempo's HTTP API with the prefix removed (Grafana's Tempo datasource). */
export function queryRoute(metricsHostname: string): K8sObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "tempo-query", namespace: TRACING_NAMESPACE, labels: LABELS },
    spec: {
      parentRefs,
      hostnames: [metricsHostname],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: QUERY_PREFIX } }],
          filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } }],
          backendRefs: [{ kind: "Service", group: "", name: TEMPO.service, port: TEMPO.httpPort }],
          timeouts: { request: "120s" },
        },
      ],
    },
  };
}

/** Envoy Gateway basic auth on a route (users from an htpasswd Secret, `{SHA}` hashes). */
export function basicAuthPolicy(route: string, secret: string): K8sObject {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "SecurityPolicy",
    metadata: { name: `${route}-basic-auth`, namespace: TRACING_NAMESPACE, labels: LABELS },
    spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: route }], basicAuth: { users: { name: secret } } },
  };
}

/** Every tracing object of the GPU cluster except the EnvoyProxy (which the entry owns) and the Secrets. */
export function tracingObjects(ctx: { vllmNamespace: string; metricsHostname: string }): K8sObject[] {
  const ingest = ingestRoute(ctx.metricsHostname);
  const query = queryRoute(ctx.metricsHostname);
  return [
    collectorNetworkPolicy(ctx.vllmNamespace),
    tempoNetworkPolicy(),
    ingest,
    basicAuthPolicy(ingest.metadata.name, INGEST_AUTH.secret),
    query,
    basicAuthPolicy(query.metadata.name, QUERY_AUTH.secret),
  ];
}
