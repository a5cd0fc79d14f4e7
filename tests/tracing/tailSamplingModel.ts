/**
 * A MODEL of the OpenTelemetry Collector contrib tailsamplingprocessor's decision (not the processor itself: no
 * collector binary can run here). It follows the processor's documented and coded semantics as read in
 * open-telemetry/opentelemetry-collector-contrib processor/tailsamplingprocessor (the 0.15x line; the distribution we
 * pin is 0.158.0):
 *  - a trace is sampled when any policy samples it (README "Each policy will result in a decision ... sampled if any
 *    policy samples"; the drop/invert policies are not modelled: we use none);
 *  - status_code: some span's status code is one of `status_codes` (internal/sampling/status_code.go);
 *  - latency: (latest end − earliest start) over the trace's spans, in whole milliseconds, >= `threshold_ms`
 *    (internal/sampling/latency.go, `duration.Milliseconds() >= thresholdMs`);
 *  - probabilistic: FNV-1a 64 of `hash_salt` (default "default-hash-seed") then the 16 trace-id bytes <=
 *    MaxUint64 × percentage/100 (internal/sampling/probabilistic.go);
 *  - numeric_attribute: an attribute read with `pcommon.Value.Int()` — 0 for a double — within [min_value, max_value]
 *    (internal/sampling/numeric_tag_filter.go);
 *  - ottl_condition: some span satisfies one of the `span` conditions (internal/sampling/ottl.go, OR over
 *    statements). Only the OTTL this program writes is modelled: `and` of `name == "…"`,
 *    `[resource.]attributes["…"] == "…"` / `!= "…"` and `[resource.]attributes["…"] >= <number>`; an ordering
 *    comparison with a missing attribute or a string is false, a missing attribute is `!=` any string (OTTL's nil).
 * Anything else throws: the model never guesses.
 */
import type { Policy } from "../../components/tracing/sampling";

export type AttrValue = { string: string } | { int: number } | { double: number };

export interface ModelSpan {
  name: string;
  /** OTLP status code. */
  status: "UNSET" | "OK" | "ERROR";
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttrValue>;
  resource: Record<string, AttrValue>;
}

export interface ModelTrace {
  /** 32 hex characters (16 bytes). */
  traceId: string;
  spans: ModelSpan[];
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

/** FNV-1a 64 (Go hash/fnv New64a). */
export function fnv1a64(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK;
  return h;
}

export function probabilisticSamples(traceId: string, percentage: number, salt = "default-hash-seed"): boolean {
  const bytes = new Uint8Array([...Buffer.from(salt, "utf8"), ...Buffer.from(traceId, "hex")]);
  // calculateThreshold: MaxUint64 × ratio (big.Float, truncated); here to 53 bits, close enough for a share.
  const threshold = BigInt(Math.floor((percentage / 100) * 2 ** 53)) * (MASK / (2n ** 53n));
  return fnv1a64(bytes) <= (percentage >= 100 ? MASK : threshold);
}

const valueOf = (v: AttrValue | undefined): string | number | undefined => (v === undefined ? undefined : "string" in v ? v.string : "int" in v ? v.int : v.double);
/** pcommon.Value.Int(): the int, or 0 for any other type. */
const asInt = (v: AttrValue | undefined): number | undefined => (v === undefined ? undefined : "int" in v ? v.int : 0);

function ottlTerm(term: string, span: ModelSpan): boolean {
  let m: RegExpMatchArray | null;
  if ((m = term.match(/^name == "([^"]*)"$/))) return span.name === m[1];
  if ((m = term.match(/^(resource\.)?attributes\["([^"]+)"\] (==|!=) "([^"]*)"$/))) {
    // OTTL: a missing attribute is nil, which is != any string.
    const equal = valueOf((m[1] ? span.resource : span.attributes)[m[2]]) === m[4];
    return m[3] === "==" ? equal : !equal;
  }
  if ((m = term.match(/^(resource\.)?attributes\["([^"]+)"\] >= (-?\d+(?:\.\d+)?)$/))) {
    const v = valueOf((m[1] ? span.resource : span.attributes)[m[2]]);
    return typeof v === "number" && v >= Number(m[3]);
  }
  throw new Error(`model: OTTL term not modelled: ${term}`);
}

function policySamples(p: Policy, trace: ModelTrace): boolean {
  switch (p.type) {
    case "status_code":
      return trace.spans.some((s) => (p.status_code.status_codes as string[]).includes(s.status));
    case "latency": {
      if (trace.spans.length === 0) return false;
      const start = trace.spans.reduce((a, s) => (s.startNs < a ? s.startNs : a), trace.spans[0].startNs);
      const end = trace.spans.reduce((a, s) => (s.endNs > a ? s.endNs : a), trace.spans[0].endNs);
      return Number((end - start) / 1_000_000n) >= p.latency.threshold_ms;
    }
    case "probabilistic":
      return probabilisticSamples(trace.traceId, p.probabilistic.sampling_percentage);
    case "numeric_attribute": {
      const { key, min_value, max_value } = p.numeric_attribute;
      const hi = max_value ?? Number.MAX_SAFE_INTEGER;
      return trace.spans.some((s) => [asInt(s.attributes[key]), asInt(s.resource[key])].some((v) => v !== undefined && v >= min_value && v <= hi));
    }
    case "string_attribute":
      return trace.spans.some((s) => [s.attributes, s.resource].some((a) => p.string_attribute.values.includes(String(valueOf(a[p.string_attribute.key])))));
    case "ottl_condition":
      return trace.spans.some((s) => p.ottl_condition.span.some((c) => c.split(" and ").every((t) => ottlTerm(t, s))));
  }
}

/** The policies that sample the trace; the processor keeps it when the list is not empty. */
export function samplingPolicies(policies: readonly Policy[], trace: ModelTrace): string[] {
  return policies.filter((p) => policySamples(p, trace)).map((p) => p.name);
}

export const keeps = (policies: readonly Policy[], trace: ModelTrace) => samplingPolicies(policies, trace).length > 0;
