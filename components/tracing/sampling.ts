/**
 * Tail sampling: which traces the collector keeps. Policy fields are those of the contrib tailsamplingprocessor
 * (processor/tailsamplingprocessor config.go / config.schema.yaml, v0.158.0 distribution): a trace is kept when ANY
 * policy samples it.
 *  - `errors` (status_code ERROR): Envoy sets ERROR on its server span for a 5xx answer (vLLM sets no status).
 *  - `slow` (ottl_condition): an `llm_request` span with a TTFT or an E2E at least the default thresholds, for every
 *    model without thresholds of its own (so a new model needs no collector change: no Helm upgrade); `slow-<model>`
 *    the same for a model with its own thresholds. vLLM reports these as DOUBLE seconds; the processor's
 *    `numeric_attribute` policy reads values with `pcommon.Value.Int()` (internal/sampling/numeric_tag_filter.go),
 *    which is 0 for a double, and takes int64 bounds, so it can never match a vLLM latency: an OTTL comparison with a
 *    float literal is used instead.
 *  - `slow-gateway` (latency): the trace lasted at least the largest E2E threshold — catches requests whose vLLM span
 *    never came (client gone, pod killed, timeout at the gateway).
 *  - `baseline` (probabilistic): a small share of everything else, for comparison.
 * `checkPolicies` proves every referenced name is in spans.ts with the type the comparison needs.
 */
import type { StackConfig } from "../../config/schema";
import { alertThresholdsSchema } from "../../config/schema";
import { SPAN_NAMES, traceAttribute, VLLM_ATTRIBUTES, VLLM_REQUEST_SPAN, RESOURCE_ATTRIBUTES, type AttributeType, type TraceAttribute } from "./spans";

export interface ModelThresholds {
  /** The model's `service.name` (= its served model name). */
  servedModelName: string;
  ttftSeconds: number;
  e2eSeconds: number;
}

/** Thresholds per deployed model: per-model override, else `tracing.sampling`, else the TTFT/E2E p99 alert thresholds. */
export function modelThresholds(config: Pick<StackConfig, "aiDeploy" | "gpuCluster" | "monitoring" | "tracing">): ModelThresholds[] {
  const defaults = defaultThresholds(config);
  const overrides = config.tracing?.sampling.models ?? {};
  const served = [...(config.aiDeploy ? [config.aiDeploy.servedModelName] : []), ...(config.gpuCluster?.models.map((m) => m.servedModelName) ?? [])];
  return [...new Set(served)].map((name) => ({
    servedModelName: name,
    ttftSeconds: overrides[name]?.ttftSeconds ?? defaults.ttftSeconds,
    e2eSeconds: overrides[name]?.e2eSeconds ?? defaults.e2eSeconds,
  }));
}

/** What "slow" means for a model without thresholds of its own. */
export function defaultThresholds(config: Pick<StackConfig, "monitoring" | "tracing">): { ttftSeconds: number; e2eSeconds: number } {
  const alerts = config.monitoring?.alerting.thresholds ?? alertThresholdsSchema.parse({});
  return { ttftSeconds: config.tracing?.sampling.ttftSeconds ?? alerts.ttftP99Seconds, e2eSeconds: config.tracing?.sampling.e2eSeconds ?? alerts.e2eP99Seconds };
}

/** The sampling thresholds: the defaults, and the models whose own thresholds differ from them. */
export interface SamplingThresholds {
  ttftSeconds: number;
  e2eSeconds: number;
  models: ModelThresholds[];
}

export function samplingThresholds(config: Pick<StackConfig, "aiDeploy" | "gpuCluster" | "monitoring" | "tracing">): SamplingThresholds {
  const defaults = defaultThresholds(config);
  const models = modelThresholds(config).filter((m) => m.ttftSeconds !== defaults.ttftSeconds || m.e2eSeconds !== defaults.e2eSeconds);
  return { ...defaults, models };
}

export type Policy =
  | { name: string; type: "status_code"; status_code: { status_codes: ("ERROR" | "OK" | "UNSET")[] } }
  | { name: string; type: "latency"; latency: { threshold_ms: number } }
  | { name: string; type: "probabilistic"; probabilistic: { sampling_percentage: number } }
  | { name: string; type: "ottl_condition"; ottl_condition: { error_mode: "ignore" | "propagate" | "silent"; span: string[] } }
  | { name: string; type: "numeric_attribute"; numeric_attribute: { key: string; min_value: number; max_value?: number } }
  | { name: string; type: "string_attribute"; string_attribute: { key: string; values: string[] } };

export interface TailSamplingConfig {
  decision_wait: string;
  num_traces: number;
  expected_new_traces_per_sec: number;
  policies: Policy[];
}

/** A float literal OTTL parses as a double (`5` would be an int64 literal). */
export const floatLiteral = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n));
const quoted = (s: string) => JSON.stringify(s);

/**
 * The OTTL span condition "an llm_request span with `attribute` >= seconds", of one model (`only`) or of every model
 * but some (`except`: those with thresholds of their own).
 */
export function slowSpanCondition(attribute: TraceAttribute, seconds: number, models: { only?: string; except?: readonly string[] } = {}): string {
  const service = `resource.attributes[${quoted(RESOURCE_ATTRIBUTES.serviceName.key)}]`;
  return [
    `name == ${quoted(VLLM_REQUEST_SPAN.name)}`,
    ...(models.only !== undefined ? [`${service} == ${quoted(models.only)}`] : []),
    ...(models.except ?? []).map((m) => `${service} != ${quoted(m)}`),
    `attributes[${quoted(attribute.key)}] >= ${floatLiteral(seconds)}`,
  ].join(" and ");
}

const policyName = (model: string) => `slow-${model.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`;

export function tailSamplingConfig(thresholds: SamplingThresholds, sampling: { baselinePercent: number; decisionWaitSeconds: number; numTraces: number }): TailSamplingConfig {
  const own = thresholds.models.map((m) => m.servedModelName);
  const slow = (name: string, t: { ttftSeconds: number; e2eSeconds: number }, models: { only?: string; except?: readonly string[] }): Policy => ({
    name,
    type: "ottl_condition",
    // A condition that cannot be evaluated (an attribute of another type) is false, not an error for the batch.
    ottl_condition: { error_mode: "ignore", span: [slowSpanCondition(VLLM_ATTRIBUTES.ttft, t.ttftSeconds, models), slowSpanCondition(VLLM_ATTRIBUTES.e2e, t.e2eSeconds, models)] },
  });
  const longestE2e = Math.max(thresholds.e2eSeconds, ...thresholds.models.map((t) => t.e2eSeconds));
  return {
    decision_wait: `${sampling.decisionWaitSeconds}s`,
    num_traces: sampling.numTraces,
    // Sizing hint only: the trace map is allocated for this many new traces per second.
    expected_new_traces_per_sec: Math.max(10, Math.ceil(sampling.numTraces / sampling.decisionWaitSeconds / 2)),
    policies: [
      { name: "errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
      slow("slow", thresholds, { except: own }),
      ...thresholds.models.map((t) => slow(policyName(t.servedModelName), t, { only: t.servedModelName })),
      { name: "slow-gateway", type: "latency", latency: { threshold_ms: Math.round(longestE2e * 1000) } },
      { name: "baseline", type: "probabilistic", probabilistic: { sampling_percentage: sampling.baselinePercent } },
    ],
  };
}

/** One name a policy depends on, and how it uses it. */
export interface PolicyReference {
  policy: string;
  kind: "attribute" | "spanName";
  key: string;
  scope?: TraceAttribute["scope"];
  /** The type the comparison needs. */
  comparedAs?: AttributeType;
}

// The OTTL condition terms this program writes (and the check understands); anything else is refused.
const TERM = {
  spanName: /^name == "([^"]+)"$/,
  stringAttr: /^(resource\.)?attributes\["([^"]+)"\] (?:==|!=) "([^"]*)"$/,
  numericAttr: /^(resource\.)?attributes\["([^"]+)"\] (>=|>|<=|<) (-?\d+(?:\.\d+)?)$/,
};

/** Every name referenced by the policies, or a problem for a condition the check cannot read. */
export function policyReferences(policies: readonly Policy[]): { refs: PolicyReference[]; problems: string[] } {
  const refs: PolicyReference[] = [];
  const problems: string[] = [];
  for (const p of policies) {
    if (p.type === "numeric_attribute") refs.push({ policy: p.name, kind: "attribute", key: p.numeric_attribute.key, comparedAs: "int" });
    if (p.type === "string_attribute") refs.push({ policy: p.name, kind: "attribute", key: p.string_attribute.key, comparedAs: "string" });
    if (p.type !== "ottl_condition") continue;
    for (const condition of p.ottl_condition.span) {
      for (const term of condition.split(" and ")) {
        let m: RegExpMatchArray | null;
        if ((m = term.match(TERM.spanName))) refs.push({ policy: p.name, kind: "spanName", key: m[1] });
        else if ((m = term.match(TERM.stringAttr))) refs.push({ policy: p.name, kind: "attribute", key: m[2], scope: m[1] ? "resource" : "span", comparedAs: "string" });
        else if ((m = term.match(TERM.numericAttr))) {
          // OTTL compares a double attribute with an int literal too, but a float literal says what is meant.
          if (!m[4].includes(".")) problems.push(`${p.name}: ${term}: write the threshold as a float literal (vLLM latencies are double seconds)`);
          refs.push({ policy: p.name, kind: "attribute", key: m[2], scope: m[1] ? "resource" : "span", comparedAs: "double" });
        } else problems.push(`${p.name}: condition term not understood by the check: ${term}`);
      }
    }
  }
  return { refs, problems };
}

/**
 * Problems of a policy list: a name not emitted by vLLM or Envoy (spans.ts), a numeric comparison on a non-numeric
 * attribute, a `numeric_attribute` policy on a double (always 0 to the processor), a latency compared in other than
 * seconds. Empty when the policies can match what is really emitted.
 */
export function checkPolicies(policies: readonly Policy[]): string[] {
  const { refs, problems } = policyReferences(policies);
  for (const r of refs) {
    if (r.kind === "spanName") {
      if (!SPAN_NAMES.includes(r.key)) problems.push(`${r.policy}: span name "${r.key}" is not one vLLM or Envoy emits`);
      continue;
    }
    const scopes = r.scope ? [r.scope] : (["span", "resource"] as const);
    const attr = scopes.map((s) => traceAttribute(r.key, s)).find(Boolean);
    if (!attr) {
      problems.push(`${r.policy}: attribute "${r.key}" is not emitted by vLLM or Envoy (components/tracing/spans.ts)`);
      continue;
    }
    if (r.comparedAs === "string" && attr.type !== "string") problems.push(`${r.policy}: "${r.key}" is ${attr.type}, compared as a string`);
    if (r.comparedAs === "double" && attr.type === "string") problems.push(`${r.policy}: "${r.key}" is a string, compared as a number`);
    if (r.comparedAs === "int" && attr.type !== "int")
      problems.push(`${r.policy}: numeric_attribute reads "${r.key}" as an int64 (pcommon.Value.Int()), but it is ${attr.type}: it would never match`);
  }
  return problems;
}
