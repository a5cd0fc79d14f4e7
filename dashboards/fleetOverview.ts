/**
 * Fleet overview: every vLLM replica of every model, filterable by environment, model and pod. Computed from raw
 * series (not the per-model recording rules) so the pod and environment filters apply everywhere.
 */
import { PROMETHEUS, VLLM, VLLM_LABELS, type MetricDef } from "../components/metrics/catalogue";
import { LABEL, VLLM_TARGETS } from "../components/observability/conventions";
import { bucket, counterRate, quantileOverRate, sumRate } from "../components/observability/queries";
import { withAiDeployNote } from "./notes";
import { dashboard, type QuerySpec, type RowSpec } from "./grafana";
import { SLOW_REQUESTS_LINK } from "./tracing";

const FILTER = [`${LABEL.environment}=~"$environment"`, `${VLLM_LABELS.model}=~"$model"`, `${LABEL.pod}=~"$pod"`];
const F = FILTER.join(",");
const RI = "$__rate_interval";
const sel = (m: MetricDef) => `${m.name}{${F}}`;
const rateOf = (m: MetricDef, by: string[]) => sumRate(m.name, { by, window: RI, matchers: FILTER });
const percentiles = (m: MetricDef, by: string[] = [], legendPrefix = ""): QuerySpec[] =>
  [0.5, 0.95, 0.99].map((q) => ({ expr: quantileOverRate(q, m, { by, window: RI, matchers: FILTER }), legend: `${legendPrefix}p${Math.round(q * 100)}` }));
const heatmap = (m: MetricDef): QuerySpec => ({ expr: `sum by (le) (${counterRate(`${bucket(m)}{${F}}`, RI)})`, legend: "{{le}}", format: "heatmap" });
const REPLICA = "{{pod}}{{job}}";

export function fleetOverviewDashboard(): Record<string, unknown> {
  const rows: RowSpec[] = [
    {
      row: "Fleet overview",
      panels: [
        { title: "Running requests", type: "stat", w: 4, h: 4, queries: [{ expr: `sum(${sel(VLLM.numRequestsRunning)})` }] },
        { title: "Waiting requests", type: "stat", w: 4, h: 4, queries: [{ expr: `sum(${sel(VLLM.numRequestsWaiting)})` }] },
        { title: "Requests/s", type: "stat", w: 4, h: 4, unit: "reqps", queries: [{ expr: `sum(${counterRate(sel(VLLM.requestSuccess), RI)})` }] },
        { title: "Generated tokens/s", type: "stat", w: 4, h: 4, queries: [{ expr: `sum(${counterRate(sel(VLLM.generationTokens), RI)})` }] },
        { title: "KV cache usage (max)", type: "stat", w: 4, h: 4, unit: "percentunit", thresholdRed: 0.9, queries: [{ expr: `max(${sel(VLLM.kvCacheUsage)})` }] },
        { title: "Replicas up", type: "stat", w: 4, h: 4, queries: [{ expr: `sum(${PROMETHEUS.up.name}{${VLLM_TARGETS},${LABEL.environment}=~"$environment"})` }] },
      ],
    },
    {
      row: "Latency",
      panels: [
        { title: "End-to-end latency", type: "timeseries", unit: "s", w: 8, queries: percentiles(VLLM.e2eLatency), links: [SLOW_REQUESTS_LINK] },
        { title: "Time to first token", type: "timeseries", unit: "s", w: 8, queries: percentiles(VLLM.ttft), links: [SLOW_REQUESTS_LINK] },
        { title: "Inter-token latency", type: "timeseries", unit: "s", w: 8, queries: percentiles(VLLM.interTokenLatency) },
      ],
    },
    {
      row: "Throughput & queue",
      panels: [
        {
          title: "Token throughput", type: "timeseries", w: 8,
          queries: [{ expr: `sum(${counterRate(sel(VLLM.promptTokens), RI)})`, legend: "prompt" }, { expr: `sum(${counterRate(sel(VLLM.generationTokens), RI)})`, legend: "generation" }],
        },
        { title: "Requests by finish reason", type: "timeseries", unit: "reqps", w: 8, queries: [{ expr: rateOf(VLLM.requestSuccess, [VLLM_LABELS.finishedReason]), legend: "{{finished_reason}}" }] },
        {
          title: "Request phases (p95)", type: "timeseries", unit: "s", w: 8,
          queries: ([["queue", VLLM.queueTime], ["prefill", VLLM.prefillTime], ["decode", VLLM.decodeTime]] as const).map(([name, m]) => ({
            expr: quantileOverRate(0.95, m, { by: [], window: RI, matchers: FILTER }),
            legend: name,
          })),
        },
      ],
    },
    {
      row: "Per-pod breakdown",
      panels: [
        { title: "Running requests per replica", type: "timeseries", w: 8, queries: [{ expr: sel(VLLM.numRequestsRunning), legend: REPLICA }] },
        { title: "Waiting requests per replica", type: "timeseries", w: 8, queries: [{ expr: sel(VLLM.numRequestsWaiting), legend: REPLICA }] },
        { title: "KV cache usage per replica", type: "timeseries", unit: "percentunit", min: 0, max: 1, w: 8, queries: [{ expr: sel(VLLM.kvCacheUsage), legend: REPLICA }] },
      ],
    },
    {
      row: "Request characteristics",
      panels: [
        { title: "Prompt length", type: "heatmap", w: 8, queries: [heatmap(VLLM.requestPromptTokens)] },
        { title: "Generation length", type: "heatmap", w: 8, queries: [heatmap(VLLM.requestGenerationTokens)] },
        {
          title: "Prefix cache hit rate", type: "timeseries", unit: "percentunit", min: 0, max: 1, w: 8,
          queries: [{ expr: `${rateOf(VLLM.prefixCacheHits, [VLLM_LABELS.model])} / ${rateOf(VLLM.prefixCacheQueries, [VLLM_LABELS.model])}`, legend: "{{model_name}}" }],
        },
      ],
    },
    {
      row: "Engine internals",
      panels: [
        { title: "Preemptions", type: "timeseries", unit: "ops", w: 8, queries: [{ expr: rateOf(VLLM.numPreemptions, [LABEL.pod, LABEL.job]), legend: REPLICA }] },
        { title: "Batch size (tokens per step)", type: "heatmap", w: 8, queries: [heatmap(VLLM.iterationTokens)] },
        { title: "End-to-end p99 per replica", type: "timeseries", unit: "s", w: 8, queries: [{ expr: quantileOverRate(0.99, VLLM.e2eLatency, { by: [LABEL.pod, LABEL.job], window: RI, matchers: FILTER }), legend: REPLICA }] },
      ],
    },
  ];
  return dashboard({
    uid: "ovh-llm-fleet-overview",
    title: "vLLM fleet overview",
    description: "All vLLM replicas (AI Deploy and GPU cluster) by environment, model and pod.",
    tags: ["ovh-llm", "vllm", "fleet"],
    variables: [
      { name: "environment", label: "Environment", query: `label_values(${VLLM.numRequestsRunning.name}, ${LABEL.environment})` },
      { name: "model", label: "Model", query: `label_values(${VLLM.numRequestsRunning.name}{${LABEL.environment}=~"$environment"}, ${VLLM_LABELS.model})` },
      { name: "pod", label: "Pod", query: `label_values(${VLLM.numRequestsRunning.name}{${VLLM_LABELS.model}=~"$model"}, ${LABEL.pod})` },
    ],
    content: rows.map((r) => ({ ...r, panels: r.panels.map(withAiDeployNote) })),
  });
}
