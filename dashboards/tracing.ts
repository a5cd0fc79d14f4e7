/**
 * "vLLM slow requests": Tempo search tables of the traces the collector kept (slow by TTFT, slow end to end,
 * errored), linked from the TTFT and E2E panels of the other dashboards. A table from Tempo search rather than
 * exemplars: vLLM's PrometheusStatLogger (vllm/v1/metrics/loggers.py) observes its histograms without exemplars, so a
 * latency panel has no trace id to link to. Click a trace id to open the trace (gateway span → vLLM `llm_request`
 * span with its queue/prefill/decode attributes), then "Metrics for this span" for its pod (datasource.ts).
 *
 * TraceQL names only attributes the traced parts emit (components/tracing/spans.ts; a test checks it).
 */
import { VLLM, VLLM_LABELS } from "../components/metrics/catalogue";
import { TEMPO_DATASOURCE_UID } from "../components/tracing/datasource";
import { RESOURCE_ATTRIBUTES, VLLM_ATTRIBUTES, VLLM_REQUEST_SPAN } from "../components/tracing/spans";
import { DATASOURCE, SCHEMA_VERSION } from "./grafana";

export const TRACES_DASHBOARD_UID = "ovh-llm-vllm-traces";
/** Link from a latency panel: the same models and time range. */
export const SLOW_REQUESTS_LINK = { title: "Slow requests (traces)", url: `/d/${TRACES_DASHBOARD_UID}?\${__url_time_range}&\${model:queryparam}` };

const TEMPO = { type: "tempo", uid: "${tempo}" } as const;
const model = `resource.${RESOURCE_ATTRIBUTES.serviceName.key} =~ "$model"`;
const llmRequest = `name = "${VLLM_REQUEST_SPAN.name}"`;

/** The TraceQL query of each table. */
export const TRACEQL = {
  slowTtft: `{ ${model} && ${llmRequest} && span.${VLLM_ATTRIBUTES.ttft.key} >= $ttft }`,
  slowE2e: `{ ${model} && ${llmRequest} && span.${VLLM_ATTRIBUTES.e2e.key} >= $e2e }`,
  errored: `{ status = error }`,
} as const;

function table(id: number, title: string, query: string, y: number, description: string): Record<string, unknown> {
  return {
    id,
    type: "table",
    title,
    description,
    datasource: TEMPO,
    gridPos: { x: 0, y, w: 24, h: 9 },
    fieldConfig: { defaults: {}, overrides: [] },
    options: { showHeader: true, cellHeight: "sm" },
    targets: [{ datasource: TEMPO, refId: "A", queryType: "traceql", query, limit: 50, tableType: "traces" }],
  };
}

const secondsVariable = (name: string, label: string, options: number[], current: number) => ({
  name,
  label,
  type: "custom",
  query: options.join(","),
  current: { selected: true, text: String(current), value: String(current) },
  options: options.map((o) => ({ selected: o === current, text: String(o), value: String(o) })),
  hide: 0,
});

export function tracingDashboard(): Record<string, unknown> {
  return {
    uid: TRACES_DASHBOARD_UID,
    title: "vLLM slow requests",
    description: "Traces kept by the collector's tail sampling: slow by time to first token, slow end to end, errored. Open a trace id to see where the time went.",
    tags: ["ovh-llm", "vllm", "tracing"],
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    timezone: "browser",
    time: { from: "now-3h", to: "now" },
    refresh: "1m",
    annotations: { list: [] },
    links: [],
    templating: {
      list: [
        { name: "datasource", label: "Metrics", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1, regex: "" },
        { name: "tempo", label: "Traces", type: "datasource", query: "tempo", current: { text: "Tempo", value: TEMPO_DATASOURCE_UID }, hide: 0, refresh: 1, regex: "" },
        {
          name: "model",
          label: "Model",
          type: "query",
          datasource: DATASOURCE,
          query: `label_values(${VLLM.numRequestsRunning.name}, ${VLLM_LABELS.model})`,
          definition: `label_values(${VLLM.numRequestsRunning.name}, ${VLLM_LABELS.model})`,
          refresh: 2,
          sort: 1,
          multi: true,
          includeAll: true,
          allValue: ".*",
          current: { selected: true, text: ["All"], value: ["$__all"] },
          hide: 0,
        },
        // Choices are the TTFT p99 alert's default (5 s) and its neighbours; the collector keeps traces from the configured threshold up.
        secondsVariable("ttft", "TTFT at least (s)", [1, 2.5, 5, 10, 20, 40], 5),
        secondsVariable("e2e", "End to end at least (s)", [10, 30, 60, 120, 240], 60),
      ],
    },
    panels: [
      table(1, "Slow time to first token", TRACEQL.slowTtft, 0, "llm_request spans of the selected models whose gen_ai.latency.time_to_first_token (seconds) is at least $ttft. The span also carries time_in_queue, time_in_model_prefill and time_in_model_decode: which phase took the time."),
      table(2, "Slow end to end", TRACEQL.slowE2e, 9, "llm_request spans whose gen_ai.latency.e2e (seconds) is at least $e2e; compare completion_tokens with decode time for long generations."),
      table(3, "Errored requests", TRACEQL.errored, 18, "Traces with an ERROR span: Envoy marks its span ERROR for a 5xx answer (vLLM never sets a span status)."),
    ],
  };
}
