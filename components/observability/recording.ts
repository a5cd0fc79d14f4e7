/**
 * Recording rules: the expensive per-model expressions (histogram quantiles over rates, ratios) that alerts and
 * dashboards both read, evaluated once per interval instead of on every dashboard refresh.
 * Names follow the Prometheus `level:metric:operations` convention.
 *
 * AI Deploy serves N replicas behind one URL and answers each scrape from one of them, so its counters look like
 * they reset at every switch and `rate()` over them is wrong (hundreds of times too high). `RECORD.interleaved`
 * detects that (more than one counter reset in 10 minutes); every counter-based rule leaves such a job out
 * (`unless on (job) ...`) instead of recording a wrong number, and gauge-based rules average over time, which
 * stays true when samples come from different replicas. See docs/observability.md, "Interleaved replicas".
 */
import { VLLM, type MetricDef } from "../metrics/catalogue";
import { AI_DEPLOY_TARGETS, LABEL, VLLM_TARGETS } from "./conventions";
import type { RecordingRule } from "./models";
import { braces, INTERLEAVE_RESETS, INTERLEAVE_WINDOW, INTERLEAVED_RECORD, MODEL_GROUPING, quantileOverRate, RULE_WINDOW, sumRate, withoutInterleaved } from "./queries";

export { INTERLEAVE_RESETS, INTERLEAVE_WINDOW, withoutInterleaved };

export type { RecordingRule };

const QUANTILES = [0.5, 0.95, 0.99] as const;
export type Quantile = (typeof QUANTILES)[number];

/** Latency histograms with recorded per-model percentiles. */
const LATENCY = { ttft: VLLM.ttft, e2e: VLLM.e2eLatency, itl: VLLM.interTokenLatency } as const;
export type LatencyKey = keyof typeof LATENCY;

const level = MODEL_GROUPING.join("_");
const stem = (m: MetricDef): string => m.name.replace(/^vllm:/, "vllm_").replace(/_total$/, "");

/** Name of the recorded per-model percentile of a latency histogram, e.g. `environment_model_name:vllm_time_to_first_token_seconds:p99_rate5m`. */
export function latencyQuantileRecord(key: LatencyKey, q: Quantile): string {
  return `${level}:${stem(LATENCY[key])}:p${Math.round(q * 100)}_rate${RULE_WINDOW}`;
}


/** Recorded series names used by rules and dashboards. */
export const RECORD = {
  requestRate: `${level}:${stem(VLLM.requestSuccess)}:rate${RULE_WINDOW}`,
  promptTokenRate: `${level}:${stem(VLLM.promptTokens)}:rate${RULE_WINDOW}`,
  generationTokenRate: `${level}:${stem(VLLM.generationTokens)}:rate${RULE_WINDOW}`,
  preemptionRate: `${level}:${stem(VLLM.numPreemptions)}:rate${RULE_WINDOW}`,
  prefixCacheHitRatio: `${level}:vllm_prefix_cache_hit_ratio:rate${RULE_WINDOW}`,
  queueDepthPerReplica: `${level}:${stem(VLLM.numRequestsWaiting)}:avg_over_time${RULE_WINDOW}`,
  http5xxRatio: `job:http_requests_5xx_ratio:rate${RULE_WINDOW}`,
  /** Per AI Deploy job: the most counter resets of one series in 10 minutes (> 1: replicas interleave). */
  interleaved: INTERLEAVED_RECORD,
} as const;


/**
 * Increase of a counter over `window` that also counts a series born inside the window. `increase()` starts at a
 * series' first sample, so a counter child created on its first event (the FastAPI instrumentator creates
 * `status="5xx"` with the first error) would lose that event; a series absent `window` ago counts from 0.
 */
export function increaseCountingNewSeries(selector: string, window: string): string {
  return `((increase(${selector}[${window}]) and ${selector} offset ${window}) or (${selector} unless ${selector} offset ${window}))`;
}

/** OpenAI API requests (not /metrics, /health): the ones users see. */
export const API_REQUESTS = (extra: readonly string[] = []) => `${VLLM.httpRequests.name}${braces([VLLM_TARGETS, `handler=~"/v1/.+"`, ...extra])}`;

/** `sum by (job)` of API requests over `window` (counting new series), interleaved AI Deploy jobs left out. */
export function apiRequestIncrease(window: string, extra: readonly string[] = []): string {
  return `sum by (${LABEL.job}) (${withoutInterleaved(increaseCountingNewSeries(API_REQUESTS(extra), window))})`;
}

const byModel = { by: MODEL_GROUPING, window: RULE_WINDOW } as const;

/**
 * The interleaving detector (its own group, evaluated before every group that reads it). Prompt tokens grow with
 * every request, so two replicas that served different requests always differ; http_requests_total also counts
 * requests vLLM refused.
 */
export function interleavingRules(): RecordingRule[] {
  const probe = (m: MetricDef) => `resets(${m.name}{${AI_DEPLOY_TARGETS}}[${INTERLEAVE_WINDOW}])`;
  return [{ record: RECORD.interleaved, expr: `max by (${LABEL.job}) (${probe(VLLM.promptTokens)} or ${probe(VLLM.httpRequests)})` }];
}

/** Every recording rule of the vLLM group (alerts read them, so the group is listed before the alert groups). */
export function recordingRules(): RecordingRule[] {
  const quantiles: RecordingRule[] = (Object.keys(LATENCY) as LatencyKey[]).flatMap((key) =>
    QUANTILES.map((q) => ({
      record: latencyQuantileRecord(key, q),
      expr: quantileOverRate(q, LATENCY[key], byModel),
    })),
  );
  const total = apiRequestIncrease(RULE_WINDOW);
  return [
    ...quantiles,
    { record: RECORD.requestRate, expr: sumRate(VLLM.requestSuccess.name, byModel) },
    { record: RECORD.promptTokenRate, expr: sumRate(VLLM.promptTokens.name, byModel) },
    { record: RECORD.generationTokenRate, expr: sumRate(VLLM.generationTokens.name, byModel) },
    { record: RECORD.preemptionRate, expr: sumRate(VLLM.numPreemptions.name, byModel) },
    { record: RECORD.prefixCacheHitRatio, expr: `${sumRate(VLLM.prefixCacheHits.name, byModel)} / ${sumRate(VLLM.prefixCacheQueries.name, byModel)}` },
    // Gauges: every sample is one replica's true value, so an average over time is the average replica, whether
    // the series is one pod or an AI Deploy URL alternating between replicas.
    { record: RECORD.queueDepthPerReplica, expr: `avg by (${MODEL_GROUPING.join(", ")}) (avg_over_time(${VLLM.numRequestsWaiting.name}[${RULE_WINDOW}]))` },
    // 0 (not absent) while no 5xx series exists yet; no data without traffic.
    { record: RECORD.http5xxRatio, expr: `(${apiRequestIncrease(RULE_WINDOW, ['status="5xx"'])} or ${total} * 0) / (${total} > 0)` },
  ];
}

