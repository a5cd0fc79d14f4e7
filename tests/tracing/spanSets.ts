/**
 * Recorded span sets in the shape the traced parts really emit, written out here from the upstream sources (NOT from
 * components/tracing/spans.ts, so a wrong name there makes a policy miss these spans and a test fail):
 *  - vLLM `OutputProcessor.do_tracing` (vllm/v1/engine/output_processor.py): span `llm_request`, kind SERVER,
 *    start = arrival, attributes gen_ai.latency.{time_to_first_token, e2e, time_in_queue, time_in_model_prefill,
 *    time_in_model_decode, time_in_model_inference} as Python floats (seconds), gen_ai.usage.{prompt_tokens,
 *    completion_tokens} as ints, gen_ai.request.id as a string, gen_ai.request.{top_p, max_tokens, temperature, n}
 *    only when truthy; no status (UNSET). Resource from OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES.
 *  - Envoy's OpenTelemetry tracer (source/extensions/tracers/opentelemetry/tracer.cc): a SERVER span per request,
 *    every tag a string (`http.status_code` "200", `upstream_cluster`, ...), status ERROR when the status code is
 *    >= 500; `traceparent` injected into the upstream request, so vLLM's span is its child (same trace id).
 */
import { randomBytes } from "crypto";
import type { AttrValue, ModelSpan, ModelTrace } from "./tailSamplingModel";

const d = (x: number): AttrValue => ({ double: x });
const i = (x: number): AttrValue => ({ int: x });
const s = (x: string): AttrValue => ({ string: x });
const ns = (seconds: number) => BigInt(Math.round(seconds * 1e9));

export interface VllmRequest {
  model: string;
  ttft: number;
  e2e: number;
  queue?: number;
  temperature?: number;
  /** Leave an attribute out (an older or patched vLLM, an aborted request). */
  without?: string[];
  /** Send a latency as an int (a different emitter), to prove numeric types matter. */
  asInt?: string[];
  pod?: string;
}

const T0 = 1_800_000_000;

export function vllmSpan(r: VllmRequest, start = T0): ModelSpan {
  const queue = r.queue ?? 0.01;
  const prefill = Math.max(r.ttft - queue, 0);
  const attributes: Record<string, AttrValue> = {
    "gen_ai.latency.time_to_first_token": d(r.ttft),
    "gen_ai.latency.e2e": d(r.e2e),
    "gen_ai.latency.time_in_queue": d(queue),
    "gen_ai.usage.prompt_tokens": i(812),
    "gen_ai.usage.completion_tokens": i(256),
    "gen_ai.latency.time_in_model_prefill": d(prefill),
    "gen_ai.latency.time_in_model_decode": d(r.e2e - r.ttft),
    "gen_ai.latency.time_in_model_inference": d(r.e2e - queue),
    "gen_ai.request.id": s(`chatcmpl-${randomBytes(8).toString("hex")}`),
    "gen_ai.request.max_tokens": i(512),
    ...(r.temperature ? { "gen_ai.request.temperature": d(r.temperature) } : {}),
  };
  for (const k of r.without ?? []) delete attributes[k];
  for (const k of r.asInt ?? []) {
    const v = attributes[k];
    if (v && "double" in v) attributes[k] = i(Math.round(v.double));
  }
  return {
    name: "llm_request",
    status: "UNSET",
    startNs: ns(start),
    endNs: ns(start + r.e2e),
    attributes,
    resource: { "service.name": s(r.model), "service.namespace": s("ovh-llm"), ...(r.pod ? { "k8s.pod.name": s(r.pod), "k8s.namespace.name": s("inference") } : {}) },
  };
}

export function envoySpan(statusCode: number, start: number, seconds: number): ModelSpan {
  return {
    name: "ingress",
    status: statusCode >= 500 ? "ERROR" : "UNSET",
    startNs: ns(start),
    endNs: ns(start + seconds),
    attributes: { "http.status_code": s(String(statusCode)), "http.method": s("POST"), upstream_cluster: s("httproute/inference/qwen3-vl-8b/rule/0"), component: s("proxy") },
    resource: { "service.name": s("envoy-gateway") },
  };
}

const newTraceId = () => randomBytes(16).toString("hex");

/** A GPU-cluster request: the gateway span around vLLM's. */
export function gatewayTrace(r: VllmRequest, statusCode = 200): ModelTrace {
  return { traceId: newTraceId(), spans: [envoySpan(statusCode, T0 - 0.002, r.e2e + 0.004), vllmSpan(r)] };
}

/** An AI Deploy request: vLLM's span alone (OVH's load balancer is not traced). */
export function aiDeployTrace(r: VllmRequest): ModelTrace {
  return { traceId: newTraceId(), spans: [vllmSpan(r)] };
}

/** A request that never reached vLLM's span (client gone, pod killed): the gateway span only. */
export function gatewayOnlyTrace(statusCode: number, seconds: number): ModelTrace {
  return { traceId: newTraceId(), spans: [envoySpan(statusCode, T0, seconds)] };
}

export { newTraceId };
