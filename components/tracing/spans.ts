/**
 * What the traced parts really emit: span names and span/resource attributes, with type, unit and source. The
 * sampling policies (sampling.ts) may only reference names listed here, with the type listed here
 * (tests/tracing/sampling.test.ts fails otherwise). The reference monitoring stack this replaces sampled on
 * attributes vLLM never set; this list is the guard against doing it again.
 *
 * Sources (read with the research tools; the vLLM v0.31.0 tag itself could not be read here — the repository is over
 * the snapshot size limit — so this follows the files as stored in the index, see docs/tracing.md):
 *  - vLLM `vllm/v1/engine/output_processor.py`, `OutputProcessor.do_tracing()`: one span per finished request, name
 *    `llm_request`, kind SERVER, start = arrival time, parent = the request's `traceparent`; the attribute keys are
 *    the `SpanAttributes` constants of `vllm/tracing.py` (later `vllm/tracing/utils.py`). Latencies are Python floats
 *    in seconds (differences of `time.time()`/monotonic timestamps), token counts ints. top_p, max_tokens,
 *    temperature and n are set only when truthy (a temperature of 0 is absent). No span status is ever set.
 *  - Envoy `source/common/tracing/common_values.h` (tag names) and `source/extensions/tracers/opentelemetry/tracer.cc`
 *    (`Span::setTag`): every tag is a string attribute; `http.status_code` >= 500 (and >= 400 on client spans) sets
 *    the span status to ERROR.
 *  - OpenTelemetry SDKs: `service.name` and other resource attributes come from `OTEL_SERVICE_NAME` /
 *    `OTEL_RESOURCE_ATTRIBUTES` (opentelemetry-python `sdk/resources`), which this program sets on every vLLM
 *    container, and from EnvoyProxy `provider.serviceName` for Envoy.
 */

export type AttributeType = "string" | "int" | "double";

export interface TraceAttribute {
  key: string;
  type: AttributeType;
  /** Unit of numeric values. */
  unit?: "s" | "tokens" | "bytes";
  /** On the span, or on the resource (the process) that emitted it. */
  scope: "span" | "resource";
  emitter: "vllm" | "envoy" | "program";
  /** Upstream file (and symbol) that sets it. */
  source: string;
  /** Absent on some spans of this emitter. */
  optional?: boolean;
}

const VLLM_SRC = "vllm-project/vllm vllm/v1/engine/output_processor.py OutputProcessor.do_tracing (keys: vllm/tracing.py SpanAttributes)";
const ENVOY_SRC = "envoyproxy/envoy source/common/tracing/common_values.h Tracing::Tags (string values: source/extensions/tracers/opentelemetry/tracer.cc Span::setTag)";

/** The span vLLM emits per request. */
export const VLLM_REQUEST_SPAN = { name: "llm_request", kind: "SERVER", source: VLLM_SRC } as const;

const vllm = (key: string, type: AttributeType, unit?: TraceAttribute["unit"], optional = false): TraceAttribute => ({ key, type, ...(unit ? { unit } : {}), scope: "span", emitter: "vllm", source: VLLM_SRC, ...(optional ? { optional } : {}) });
const envoy = (key: string): TraceAttribute => ({ key, type: "string", scope: "span", emitter: "envoy", source: ENVOY_SRC, optional: true });
const resource = (key: string, source: string): TraceAttribute => ({ key, type: "string", scope: "resource", emitter: "program", source });

export const VLLM_ATTRIBUTES = {
  ttft: vllm("gen_ai.latency.time_to_first_token", "double", "s"),
  e2e: vllm("gen_ai.latency.e2e", "double", "s"),
  queue: vllm("gen_ai.latency.time_in_queue", "double", "s"),
  prefill: vllm("gen_ai.latency.time_in_model_prefill", "double", "s"),
  decode: vllm("gen_ai.latency.time_in_model_decode", "double", "s"),
  inference: vllm("gen_ai.latency.time_in_model_inference", "double", "s"),
  promptTokens: vllm("gen_ai.usage.prompt_tokens", "int", "tokens"),
  completionTokens: vllm("gen_ai.usage.completion_tokens", "int", "tokens"),
  requestId: vllm("gen_ai.request.id", "string"),
  topP: vllm("gen_ai.request.top_p", "double", undefined, true),
  maxTokens: vllm("gen_ai.request.max_tokens", "int", "tokens", true),
  temperature: vllm("gen_ai.request.temperature", "double", undefined, true),
  n: vllm("gen_ai.request.n", "int", undefined, true),
} as const satisfies Record<string, TraceAttribute>;

/** Envoy's standard HTTP tags (Tracing::Tags), all strings. */
export const ENVOY_ATTRIBUTES = Object.fromEntries(
  ["component", "error", "http.method", "http.status_code", "http.url", "http.protocol", "guid:x-request-id", "node_id", "zone", "peer.address", "request_size", "response_size", "response_flags", "upstream_cluster", "upstream_cluster.name", "upstream_address", "user_agent", "downstream_cluster"].map((k) => [k, envoy(k)]),
) as Record<string, TraceAttribute>;

const SDK_RESOURCE = "opentelemetry-python sdk/resources (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), set by components/tracing/emitters.ts; Envoy: EnvoyProxy spec.telemetry.tracing.provider.serviceName";
export const RESOURCE_ATTRIBUTES = {
  serviceName: resource("service.name", SDK_RESOURCE),
  serviceNamespace: resource("service.namespace", SDK_RESOURCE),
  podName: resource("k8s.pod.name", SDK_RESOURCE),
  namespaceName: resource("k8s.namespace.name", SDK_RESOURCE),
} as const satisfies Record<string, TraceAttribute>;

/** Every attribute a policy may reference, by key and scope. */
export const TRACE_ATTRIBUTES: readonly TraceAttribute[] = [...Object.values(VLLM_ATTRIBUTES), ...Object.values(ENVOY_ATTRIBUTES), ...Object.values(RESOURCE_ATTRIBUTES)];

/** Span names a policy may reference (Envoy's span names are route-dependent, so no policy names them). */
export const SPAN_NAMES: readonly string[] = [VLLM_REQUEST_SPAN.name];

export function traceAttribute(key: string, scope: TraceAttribute["scope"]): TraceAttribute | undefined {
  return TRACE_ATTRIBUTES.find((a) => a.key === key && a.scope === scope);
}
