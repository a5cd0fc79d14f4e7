/**
 * What makes vLLM and Envoy emit spans (pure).
 *
 * vLLM (ObservabilityConfig, vllm/config/observability.py): `--otlp-traces-endpoint <url>` turns request tracing on;
 * the exporter is gRPC unless OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf (vllm/tracing get_span_exporter). When
 * the OpenTelemetry packages are missing, vLLM refuses to start with "OpenTelemetry is not available" (the field
 * validator of otlp_traces_endpoint): a pod without them crash-loops (the replica alerts fire), it never runs
 * untraced in silence. Current vllm-openai images install them (requirements/common.txt, vllm-project/vllm PR #34466,
 * February 2026). `--collect-detailed-traces` is not set: at this version it only adds timings of the model
 * forward/execute to worker paths, at a cost vLLM's own help calls "possibly costly and or blocking", and adds no
 * attribute to the `llm_request` span (OutputProcessor.do_tracing).
 *
 * Resource attributes (opentelemetry-python reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES when vLLM builds its
 * TracerProvider()): `service.name` = the served model name (what the sampling policies and Grafana select on),
 * `k8s.pod.name` / `k8s.namespace.name` on the GPU cluster (trace → the pod's metrics in Grafana).
 */
import type { GpuModelConfig } from "../../config/schema";
import type { K8sObject } from "../gpu/k8s";
import { NAMESPACES } from "../gpu/layout";
import { COLLECTOR, COLLECTOR_GRPC_URL, ENVOY_PROXY_NAME, ENVOY_SERVICE_NAME, INGEST_AUTH, SERVICE_NAMESPACE, TRACING_NAMESPACE } from "./layout";
import { RESOURCE_ATTRIBUTES } from "./spans";

export const OTLP_ENDPOINT_FLAG = "--otlp-traces-endpoint";

/** The container env and args a GPU model's vLLM needs to send its spans to the in-cluster collector. */
export interface VllmTracing {
  args: string[];
  env: Record<string, unknown>[];
}

export function gpuVllmTracing(model: Pick<GpuModelConfig, "servedModelName">, namespace: string): VllmTracing {
  const r = RESOURCE_ATTRIBUTES;
  return {
    // http:// = an insecure gRPC channel (in-cluster; the collector's port admits only this namespace's vLLM pods and the Envoy proxies).
    args: [OTLP_ENDPOINT_FLAG, COLLECTOR_GRPC_URL],
    env: [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "OTEL_SERVICE_NAME", value: model.servedModelName },
      // $(POD_NAME) is expanded by the kubelet from the variable above (dependent environment variables).
      { name: "OTEL_RESOURCE_ATTRIBUTES", value: `${r.serviceNamespace.key}=${SERVICE_NAMESPACE},${r.podName.key}=$(POD_NAME),${r.namespaceName.key}=${namespace}` },
    ],
  };
}

/**
 * The AI Deploy app's tracing: OTLP/HTTP over TLS to the GPU cluster's Gateway (the app runs outside our clusters),
 * with basic auth. The Authorization header is a secret variable (`secretEnv`): OTEL_EXPORTER_OTLP_TRACES_HEADERS,
 * read by the OTLP exporter (values percent-encoded, W3C baggage format).
 */
export function aiDeployTracing(servedModelName: string, ingestUrl: string): { args: string[]; env: Record<string, string> } {
  return {
    args: [OTLP_ENDPOINT_FLAG, ingestUrl],
    env: {
      OTEL_SERVICE_NAME: servedModelName,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
      OTEL_RESOURCE_ATTRIBUTES: `${RESOURCE_ATTRIBUTES.serviceNamespace.key}=${SERVICE_NAMESPACE}`,
    },
  };
}

/** The secret variable carrying the ingest credential (only ever inside a Pulumi secret). */
export function ingestHeaderEnv(password: string): Record<string, string> {
  const basic = Buffer.from(`${INGEST_AUTH.user}:${password}`, "utf8").toString("base64");
  return { OTEL_EXPORTER_OTLP_TRACES_HEADERS: `Authorization=Basic%20${basic}` };
}

/**
 * EnvoyProxy (gateway.envoyproxy.io/v1alpha1, Envoy Gateway v1.9.0 CRD `spec.telemetry.tracing`): every request the
 * Gateway serves is traced (samplingRate 100: the collector's tail sampling decides what is kept) and exported to the
 * collector by OTLP/gRPC. Envoy continues an incoming `traceparent` or starts a trace, and passes `traceparent` on to
 * vLLM (Span::injectContext), so the gateway span is the parent of vLLM's `llm_request` span. EG v1.9.0 can send
 * OTLP headers only from this object's spec (`openTelemetry.headers`, plain text in a CR), so Envoy sends none: the
 * collector's gRPC port admits it by NetworkPolicy instead.
 */
export function envoyProxyTracing(): K8sObject {
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "EnvoyProxy",
    metadata: { name: ENVOY_PROXY_NAME, namespace: NAMESPACES.gateway },
    spec: {
      telemetry: {
        tracing: {
          samplingRate: 100,
          provider: {
            type: "OpenTelemetry",
            serviceName: ENVOY_SERVICE_NAME,
            backendRefs: [{ group: "", kind: "Service", name: COLLECTOR.service, namespace: TRACING_NAMESPACE, port: COLLECTOR.grpcPort }],
          },
        },
      },
    },
  };
}

/** Lets the EnvoyProxy (envoy-gateway-system) send to the collector Service in another namespace (Gateway API ReferenceGrant). */
export function collectorReferenceGrant(): K8sObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1beta1",
    kind: "ReferenceGrant",
    metadata: { name: "envoy-proxy-to-otel-collector", namespace: TRACING_NAMESPACE },
    spec: {
      from: [{ group: "gateway.envoyproxy.io", kind: "EnvoyProxy", namespace: NAMESPACES.gateway }],
      to: [{ group: "", kind: "Service", name: COLLECTOR.service }],
    },
  };
}
