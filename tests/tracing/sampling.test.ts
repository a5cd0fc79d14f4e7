/**
 * Tail sampling: the policies reference only what vLLM and Envoy emit (components/tracing/spans.ts, with sources),
 * with the right types and units, and — run through a model of the processor (tailSamplingModel.ts) on span sets in
 * the real shape (spanSets.ts) — keep slow and errored traces, drop fast ones but a baseline share, and do not keep a
 * trace for an attribute that is missing.
 */
import { strict as assert } from "assert";
import { checkPolicies, modelThresholds, policyReferences, samplingThresholds, tailSamplingConfig, type Policy } from "../../components/tracing/sampling";
import { TRACE_ATTRIBUTES, VLLM_ATTRIBUTES } from "../../components/tracing/spans";
import { tempoDatasource } from "../../components/tracing/datasource";
import { TRACEQL } from "../../dashboards/tracing";
import { parseConfig } from "../../config/schema";
import { readStackFile } from "../../config/stackFile";
import { stackConfig } from "../helpers/stacks";
import { aiDeployTrace, gatewayOnlyTrace, gatewayTrace, newTraceId } from "./spanSets";
import { createHash } from "crypto";
import { fnv1a64, keeps, samplingPolicies } from "./tailSamplingModel";

const prod = () => stackConfig("prod");
const prodPolicies = () => tailSamplingConfig(samplingThresholds(prod()), prod().tracing!.sampling).policies;

describe("tail sampling policies reference only what vLLM and Envoy emit", () => {
  it("prod's policies pass the check: every name in the catalogue, latencies compared as double seconds", () => {
    const policies = prodPolicies();
    assert.deepEqual(checkPolicies(policies), []);
    const { refs } = policyReferences(policies);
    assert.ok(refs.some((r) => r.key === VLLM_ATTRIBUTES.ttft.key && r.comparedAs === "double"), "TTFT is compared as a double");
    const own = parseConfig({ ...readStackFile("prod").projectConfig, tracing: { sampling: { models: { "qwen3-vl-8b": { ttftSeconds: 20 } } } } });
    const ownRefs = policyReferences(tailSamplingConfig(samplingThresholds(own), own.tracing!.sampling).policies).refs;
    assert.ok(ownRefs.some((r) => r.key === "service.name" && r.scope === "resource"), "models with own thresholds are told apart by service.name");
  });

  it("fails a policy on an attribute vLLM does not emit (the reference stack's mistake), a span name nobody emits, a string compared as a number", () => {
    const bad: Policy[] = [
      { name: "ttft-guess", type: "ottl_condition", ottl_condition: { error_mode: "ignore", span: ['attributes["gen_ai.latency.ttft"] >= 10.0'] } },
      { name: "model-guess", type: "string_attribute", string_attribute: { key: "gen_ai.response.model", values: ["qwen3-vl-8b"] } },
      { name: "span-guess", type: "ottl_condition", ottl_condition: { error_mode: "ignore", span: ['name == "vllm.request"'] } },
      { name: "status-as-number", type: "ottl_condition", ottl_condition: { error_mode: "ignore", span: ['attributes["http.status_code"] >= 500.0'] } },
    ];
    const problems = checkPolicies(bad);
    for (const name of ["ttft-guess", "model-guess", "span-guess", "status-as-number"]) assert.ok(problems.some((p) => p.startsWith(`${name}:`)), `${name} refused: ${problems.join("; ")}`);
  });

  it("fails numeric_attribute on a vLLM latency (the processor reads it with Value.Int(): 0 for a double) and an int literal", () => {
    const problems = checkPolicies([
      { name: "numeric-ttft", type: "numeric_attribute", numeric_attribute: { key: VLLM_ATTRIBUTES.ttft.key, min_value: 5 } },
      { name: "int-literal", type: "ottl_condition", ottl_condition: { error_mode: "ignore", span: [`attributes["${VLLM_ATTRIBUTES.e2e.key}"] >= 60`] } },
    ]);
    assert.equal(problems.length, 2, problems.join("; "));
    // And the model shows why: a numeric_attribute policy on TTFT never keeps even a 100 s TTFT.
    const numeric: Policy[] = [{ name: "numeric-ttft", type: "numeric_attribute", numeric_attribute: { key: VLLM_ATTRIBUTES.ttft.key, min_value: 5 } }];
    assert.equal(keeps(numeric, gatewayTrace({ model: "qwen3-vl-8b", ttft: 100, e2e: 120 })), false);
    // numeric_attribute on an int attribute does match.
    const tokens: Policy[] = [{ name: "long", type: "numeric_attribute", numeric_attribute: { key: VLLM_ATTRIBUTES.completionTokens.key, min_value: 100 } }];
    assert.equal(keeps(tokens, gatewayTrace({ model: "qwen3-vl-8b", ttft: 0.2, e2e: 3 })), true);
  });

  it("every attribute the catalogue lists says who sets it, with a source", () => {
    for (const a of TRACE_ATTRIBUTES) assert.ok(a.source.length > 20 && ["vllm", "envoy", "program"].includes(a.emitter), a.key);
    for (const a of Object.values(VLLM_ATTRIBUTES).filter((x) => x.key.startsWith("gen_ai.latency."))) assert.deepEqual([a.type, a.unit], ["double", "s"], a.key);
  });

  it("the dashboard's TraceQL and the datasource's trace-to-metrics tags name catalogue attributes only", () => {
    const keys = new Set(TRACE_ATTRIBUTES.map((a) => `${a.scope}.${a.key}`));
    for (const q of Object.values(TRACEQL))
      for (const m of q.matchAll(/\b(span|resource)\.([a-z_][a-z0-9_.:]*[a-z0-9_])/g)) assert.ok(keys.has(`${m[1]}.${m[2]}`), `${q}: ${m[0]}`);
    const ds = tempoDatasource("https://x", "p") as { datasources: { jsonData: { tracesToMetrics: { tags: { key: string }[] } } }[] };
    for (const t of ds.datasources[0].jsonData.tracesToMetrics.tags) assert.ok(keys.has(`resource.${t.key}`), t.key);
  });
});

describe("thresholds: per model, defaulting to the TTFT/E2E p99 alert thresholds", () => {
  it("prod keeps TTFT >= 5 s and E2E >= 60 s (the alert defaults) for both models", () => {
    assert.deepEqual(modelThresholds(prod()), [
      { servedModelName: "ministral-14b", ttftSeconds: 5, e2eSeconds: 60 },
      { servedModelName: "qwen3-vl-8b", ttftSeconds: 5, e2eSeconds: 60 },
    ]);
  });

  it("follows changed alert thresholds, then tracing.sampling, then a per-model override", () => {
    const raw = readStackFile("prod").projectConfig;
    const monitoring = { ...(raw.monitoring as object), alerting: { webhook: true, thresholds: { ttftP99Seconds: 3, e2eP99Seconds: 40 } } };
    assert.deepEqual(modelThresholds(parseConfig({ ...raw, monitoring }))[0], { servedModelName: "ministral-14b", ttftSeconds: 3, e2eSeconds: 40 });
    const tracing = { sampling: { ttftSeconds: 2, models: { "qwen3-vl-8b": { e2eSeconds: 120 } } } };
    const t = modelThresholds(parseConfig({ ...raw, monitoring, tracing }));
    assert.deepEqual(t, [
      { servedModelName: "ministral-14b", ttftSeconds: 2, e2eSeconds: 40 },
      { servedModelName: "qwen3-vl-8b", ttftSeconds: 2, e2eSeconds: 120 },
    ]);
  });
});

describe("sampling decisions on recorded span sets (a model of tailsamplingprocessor, see tailSamplingModel.ts)", () => {
  const policies = prodPolicies();
  const kept = (t: ReturnType<typeof gatewayTrace>) => samplingPolicies(policies.filter((p) => p.type !== "probabilistic"), t);

  it("keeps a slow TTFT (gateway + vLLM) and a slow AI Deploy request, by their model's policy", () => {
    assert.deepEqual(kept(gatewayTrace({ model: "qwen3-vl-8b", ttft: 7.5, e2e: 20 })), ["slow"]);
    assert.deepEqual(kept(aiDeployTrace({ model: "ministral-14b", ttft: 5, e2e: 9 })), ["slow"], "at the threshold is slow (>=)");
  });

  it("keeps a slow end-to-end request with a fast first token", () => {
    assert.deepEqual(kept(gatewayTrace({ model: "qwen3-vl-8b", ttft: 0.3, e2e: 75 })), ["slow", "slow-gateway"]);
  });

  it("drops fast requests (apart from the baseline share)", () => {
    assert.deepEqual(kept(gatewayTrace({ model: "qwen3-vl-8b", ttft: 0.4, e2e: 12 })), []);
    assert.deepEqual(kept(aiDeployTrace({ model: "ministral-14b", ttft: 4.99, e2e: 59.9 })), []);
  });

  it("keeps errored requests: Envoy's span is ERROR on a 5xx (vLLM sets no status)", () => {
    assert.deepEqual(kept(gatewayTrace({ model: "qwen3-vl-8b", ttft: 0.2, e2e: 1 }, 503)), ["errors"]);
    assert.deepEqual(kept(gatewayTrace({ model: "qwen3-vl-8b", ttft: 0.2, e2e: 1 }, 429)), [], "a 4xx on a server span is not an error");
    assert.deepEqual(kept(gatewayOnlyTrace(504, 3600)), ["errors", "slow-gateway"], "a gateway timeout without a vLLM span");
  });

  it("does not keep a trace for a missing attribute (an int-typed latency still compares as a number)", () => {
    assert.deepEqual(kept(gatewayTrace({ model: "qwen3-vl-8b", ttft: 30, e2e: 40, without: ["gen_ai.latency.time_to_first_token"] })), []);
    assert.deepEqual(kept(aiDeployTrace({ model: "ministral-14b", ttft: 30, e2e: 40, without: ["gen_ai.latency.time_to_first_token", "gen_ai.latency.e2e"] })), []);
    // An int-typed TTFT still compares numerically in OTTL (type int vs float literal): kept.
    assert.deepEqual(kept(aiDeployTrace({ model: "ministral-14b", ttft: 30, e2e: 40, asInt: ["gen_ai.latency.time_to_first_token"] })), ["slow"]);
  });

  it("applies a model's own thresholds to it only; the defaults to every other model, one added later too", () => {
    const raw = readStackFile("prod").projectConfig;
    const config = parseConfig({ ...raw, tracing: { sampling: { models: { "qwen3-vl-8b": { ttftSeconds: 20 } } } } });
    const own = tailSamplingConfig(samplingThresholds(config), config.tracing!.sampling).policies.filter((p) => p.type === "ottl_condition");
    assert.equal(keeps(own, gatewayTrace({ model: "qwen3-vl-8b", ttft: 10, e2e: 30 })), false, "10 s is fast for qwen (20 s)");
    assert.equal(keeps(own, aiDeployTrace({ model: "ministral-14b", ttft: 10, e2e: 30 })), true, "10 s is slow for ministral (5 s)");
    assert.equal(keeps(own, gatewayTrace({ model: "qwen3-vl-8b", ttft: 25, e2e: 30 })), true, "25 s is slow for qwen");
    assert.equal(keeps(own, aiDeployTrace({ model: "model-added-later", ttft: 6, e2e: 30 })), true, "the defaults cover a model the collector config never named");
    assert.deepEqual(own.map((p) => p.name), ["slow", "slow-qwen3-vl-8b"]);
  });

  it("keeps about baselinePercent of the rest (probabilistic on the trace id), and everything at 100", () => {
    // FNV-1a 64 as Go's hash/fnv computes it (test vectors of the FNV reference: "" and "a").
    assert.deepEqual([fnv1a64(new Uint8Array()), fnv1a64(new TextEncoder().encode("a"))], [0xcbf29ce484222325n, 0xaf63dc4c8601ec8cn]);
    const baseline = policies.find((p) => p.type === "probabilistic")!;
    const n = 5_000;
    let hits = 0;
    // Deterministic trace ids (uniformly distributed hex), so the test cannot flake.
    for (let i = 0; i < n; i++) if (keeps([baseline], { traceId: createHash("sha256").update(`trace-${i}`).digest("hex").slice(0, 32), spans: [] })) hits++;
    const share = (hits / n) * 100;
    assert.ok(share > 0.5 && share < 1.5, `kept ${share.toFixed(2)} % for 1 % (3 standard deviations: 0.58–1.42)`);
    const all: Policy[] = [{ name: "all", type: "probabilistic", probabilistic: { sampling_percentage: 100 } }];
    assert.equal(keeps(all, { traceId: newTraceId(), spans: [] }), true);
  });
});
