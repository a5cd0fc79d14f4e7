/** vLLM application dashboard: load, latency, tokens, KV/prefix cache, request phases, per-replica table. */
import { PROMETHEUS, VLLM, VLLM_LABELS } from "../components/metrics/catalogue";
import { VLLM_TARGETS } from "../components/observability/conventions";
import { bucket, counterRate, quantileOverRate, sumRate } from "../components/observability/queries";
import { RECORD, latencyQuantileRecord, type LatencyKey } from "../components/observability/recording";
import { dashboard, type PanelSpec, type QuerySpec } from "./grafana";
import { withAiDeployNote } from "./notes";
import { SLOW_REQUESTS_LINK } from "./tracing";
import type { MetricDef } from "../components/metrics/catalogue";

const MODEL = `${VLLM_LABELS.model}=~"$model"`;
const RI = "$__rate_interval";
const sel = (m: MetricDef | string) => `${typeof m === "string" ? m : m.name}{${MODEL}}`;

/** p50/p95/p99 from the recording rules (5m windows, shared with the alerts). */
const recordedPercentiles = (key: LatencyKey): QuerySpec[] =>
  ([0.5, 0.95, 0.99] as const).map((q) => ({ expr: sel(latencyQuantileRecord(key, q)), legend: `p${Math.round(q * 100)} {{model_name}}` }));

/** Percentiles computed at dashboard time for histograms without recording rules. */
const livePercentiles = (m: MetricDef, qs: readonly number[] = [0.5, 0.95, 0.99]): QuerySpec[] =>
  qs.map((q) => ({ expr: quantileOverRate(q, m, { by: [VLLM_LABELS.model], window: RI, matchers: [MODEL] }), legend: `p${Math.round(q * 100)} {{model_name}}` }));

const byInstance = (m: MetricDef) => `sum by (instance) (${sel(m)})`;

export function vllmApplicationDashboard(): Record<string, unknown> {
  const panels: PanelSpec[] = [
    { title: "Replicas up", type: "stat", w: 4, h: 4, queries: [{ expr: `sum(${PROMETHEUS.up.name}{${VLLM_TARGETS}})` }], description: "vLLM scrape targets answering." },
    { title: "Requests running", type: "stat", w: 4, h: 4, queries: [{ expr: `sum(${sel(VLLM.numRequestsRunning)})` }] },
    { title: "Requests waiting", type: "stat", w: 4, h: 4, queries: [{ expr: `sum(${sel(VLLM.numRequestsWaiting)})` }] },
    { title: "Request rate", type: "stat", w: 4, h: 4, unit: "reqps", queries: [{ expr: `sum(${sel(RECORD.requestRate)})` }] },
    { title: "Generated tokens/s", type: "stat", w: 4, h: 4, queries: [{ expr: `sum(${sel(RECORD.generationTokenRate)})` }] },
    { title: "KV cache usage (max)", type: "gauge", w: 4, h: 4, unit: "percentunit", min: 0, max: 1, thresholdRed: 0.9, queries: [{ expr: `max(${sel(VLLM.kvCacheUsage)})` }] },
    {
      title: "Request rate by finish reason", type: "timeseries", unit: "reqps",
      queries: [{ expr: sumRate(VLLM.requestSuccess.name, { by: [VLLM_LABELS.model, VLLM_LABELS.finishedReason], window: RI, matchers: [MODEL] }), legend: "{{model_name}} {{finished_reason}}" }],
    },
    {
      title: "Running and waiting requests", type: "timeseries",
      queries: [{ expr: byInstance(VLLM.numRequestsRunning), legend: "running {{instance}}" }, { expr: byInstance(VLLM.numRequestsWaiting), legend: "waiting {{instance}}" }],
    },
    { title: "Queue depth per replica", type: "timeseries", queries: [{ expr: sel(RECORD.queueDepthPerReplica), legend: "{{model_name}}" }], description: "Average waiting requests per replica (what VllmQueueDepthHigh watches)." },
    { title: "Time to first token", type: "timeseries", unit: "s", queries: recordedPercentiles("ttft"), links: [SLOW_REQUESTS_LINK] },
    { title: "End-to-end latency", type: "timeseries", unit: "s", queries: recordedPercentiles("e2e"), links: [SLOW_REQUESTS_LINK] },
    { title: "Inter-token latency", type: "timeseries", unit: "s", queries: recordedPercentiles("itl") },
    { title: "Time per output token (per request)", type: "timeseries", unit: "s", queries: livePercentiles(VLLM.timePerOutputToken) },
    {
      title: "Token throughput", type: "timeseries",
      queries: [{ expr: sel(RECORD.promptTokenRate), legend: "prompt {{model_name}}" }, { expr: sel(RECORD.generationTokenRate), legend: "generation {{model_name}}" }],
    },
    { title: "KV cache usage", type: "timeseries", unit: "percentunit", min: 0, max: 1, thresholdRed: 0.9, queries: [{ expr: `max by (instance) (${sel(VLLM.kvCacheUsage)})`, legend: "{{instance}}" }] },
    { title: "Prefix cache hit rate", type: "timeseries", unit: "percentunit", min: 0, max: 1, queries: [{ expr: sel(RECORD.prefixCacheHitRatio), legend: "{{model_name}}" }] },
    { title: "Queue time", type: "timeseries", unit: "s", w: 6, queries: livePercentiles(VLLM.queueTime, [0.5, 0.95]) },
    { title: "Prefill time", type: "timeseries", unit: "s", w: 6, queries: livePercentiles(VLLM.prefillTime, [0.5, 0.95]) },
    { title: "Decode time", type: "timeseries", unit: "s", w: 6, queries: livePercentiles(VLLM.decodeTime, [0.5, 0.95]) },
    { title: "Inference time", type: "timeseries", unit: "s", w: 6, queries: livePercentiles(VLLM.inferenceTime, [0.5, 0.95]) },
    { title: "Preemptions", type: "timeseries", unit: "ops", queries: [{ expr: sel(RECORD.preemptionRate), legend: "{{model_name}}" }] },
    {
      title: "HTTP responses by status", type: "timeseries", unit: "reqps",
      queries: [
        { expr: sumRate(VLLM.httpRequests.name, { by: ["status"], window: RI, matchers: [VLLM_TARGETS] }), legend: "{{status}}" },
        { expr: RECORD.http5xxRatio, legend: "5xx ratio {{job}}" },
      ],
    },
    { title: "Prompt length", type: "timeseries", w: 8, queries: livePercentiles(VLLM.requestPromptTokens, [0.5, 0.95]) },
    { title: "Generation length", type: "timeseries", w: 8, queries: livePercentiles(VLLM.requestGenerationTokens, [0.5, 0.95]) },
    { title: "Tokens per engine step", type: "heatmap", w: 8, queries: [{ expr: `sum by (le) (${counterRate(`${bucket(VLLM.iterationTokens)}{${MODEL}}`, RI)})`, legend: "{{le}}", format: "heatmap" }], description: "Batch size in tokens per scheduler iteration." },
    {
      title: "AI Deploy scrape interleaving", type: "timeseries", w: 24, h: 6, thresholdRed: 1.5,
      queries: [{ expr: RECORD.interleaved, legend: "{{job}}" }],
      description: "Counter resets per AI Deploy job in 10 minutes. Above 1, the app's URL answers /metrics from several replicas: rate panels and rate-based alerts leave the app out (alert AiDeployMetricsInterleaved, severity info). 0 or 1: one replica answers, everything is exact.",
    },
    {
      title: "Per replica", type: "table", w: 24, h: 8,
      queries: [
        { expr: byInstance(VLLM.numRequestsRunning), instant: true, format: "table" },
        { expr: byInstance(VLLM.numRequestsWaiting), instant: true, format: "table" },
        { expr: `max by (instance) (${sel(VLLM.kvCacheUsage)})`, instant: true, format: "table" },
        { expr: `sum by (instance) (${counterRate(sel(VLLM.generationTokens), RI)})`, instant: true, format: "table" },
      ],
    },
  ];
  return dashboard({
    uid: "ovh-llm-vllm-application",
    title: "vLLM application",
    description: "vLLM serving: load, latency percentiles, tokens, KV and prefix cache, request phases and replicas.",
    tags: ["ovh-llm", "vllm"],
    variables: [{ name: "model", label: "Model", query: `label_values(${VLLM.numRequestsRunning.name}, ${VLLM_LABELS.model})` }],
    content: panels.map(withAiDeployNote),
  });
}
