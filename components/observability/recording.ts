/**
 * Recording rules: the expensive per-model expressions (histogram quantiles over rates, ratios) that alerts and
 * dashboards both read, evaluated once per interval instead of on every dashboard refresh.
 * Names follow the Prometheus `level:metric:operations` convention.
 */
import { VLLM, type MetricDef } from "../metrics/catalogue";
import { LABEL, VLLM_TARGETS } from "./conventions";
import { MODEL_GROUPING, RULE_WINDOW, quantileOverRate, sumRate } from "./queries";

export interface RecordingRule {
  record: string;
  expr: string;
}

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
  queueDepthPerReplica: `${level}:${stem(VLLM.numRequestsWaiting)}:avg`,
  http5xxRatio: `job:http_requests_5xx_ratio:rate${RULE_WINDOW}`,
} as const;

const byModel = { by: MODEL_GROUPING, window: RULE_WINDOW } as const;

/** Every recording rule (one group; alerts read them, so the group is listed before the alert groups). */
export function recordingRules(): RecordingRule[] {
  const quantiles: RecordingRule[] = (Object.keys(LATENCY) as LatencyKey[]).flatMap((key) =>
    QUANTILES.map((q) => ({ record: latencyQuantileRecord(key, q), expr: quantileOverRate(q, LATENCY[key], byModel) })),
  );
  return [
    ...quantiles,
    { record: RECORD.requestRate, expr: sumRate(VLLM.requestSuccess.name, byModel) },
    { record: RECORD.promptTokenRate, expr: sumRate(VLLM.promptTokens.name, byModel) },
    { record: RECORD.generationTokenRate, expr: sumRate(VLLM.generationTokens.name, byModel) },
    { record: RECORD.preemptionRate, expr: sumRate(VLLM.numPreemptions.name, byModel) },
    {
      record: RECORD.prefixCacheHitRatio,
      expr: `${sumRate(VLLM.prefixCacheHits.name, byModel)} / ${sumRate(VLLM.prefixCacheQueries.name, byModel)}`,
    },
    // One series per replica (pod, or the AI Deploy endpoint), so the average is the queue per replica.
    { record: RECORD.queueDepthPerReplica, expr: `avg by (${MODEL_GROUPING.join(", ")}) (${VLLM.numRequestsWaiting.name})` },
    {
      record: RECORD.http5xxRatio,
      expr:
        `${sumRate(VLLM.httpRequests.name, { by: [LABEL.job], window: RULE_WINDOW, matchers: [VLLM_TARGETS, 'status="5xx"'] })}` +
        ` / ${sumRate(VLLM.httpRequests.name, { by: [LABEL.job], window: RULE_WINDOW, matchers: [VLLM_TARGETS] })}`,
    },
  ];
}
