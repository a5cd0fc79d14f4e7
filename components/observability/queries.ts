/**
 * PromQL building blocks shared by recording rules, alerts, dashboards and autoscalers. Metric names come from the
 * catalogue, label names from ./conventions. Valid PromQL on Prometheus 3.x (what tests run and production runs).
 */
import { VLLM, leLabel, type MetricDef } from "../metrics/catalogue";
import { LABEL, VLLM_TARGETS } from "./conventions";

/** Escapes a label value for a PromQL double-quoted string. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** `{a="1",b=~"x"}` from matcher strings; empty when there are none. */
export function braces(matchers: readonly (string | undefined)[]): string {
  const present = matchers.filter((m): m is string => !!m && m.length > 0);
  return present.length ? `{${present.join(",")}}` : "";
}

/** Series name of a histogram's buckets / sum / count. */
export const bucket = (m: MetricDef): string => `${histogram(m).name}_bucket`;
export const histCount = (m: MetricDef): string => `${histogram(m).name}_count`;
export const histSum = (m: MetricDef): string => `${histogram(m).name}_sum`;

function histogram(m: MetricDef): MetricDef {
  if (m.type !== "histogram") throw new Error(`${m.name} is a ${m.type}, not a histogram`);
  return m;
}

/** Window of the interleaving detector: long enough to see several replica switches at a 15 s scrape interval. */
export const INTERLEAVE_WINDOW = "10m";
/** More resets than this in `INTERLEAVE_WINDOW` = interleaved replicas (a real restart is one reset). */
export const INTERLEAVE_RESETS = 1;
/** Per AI Deploy job: the most counter resets of one series in 10 minutes (recorded by ./recording). */
export const INTERLEAVED_RECORD = `job:vllm_counter_resets:max_resets${INTERLEAVE_WINDOW}`;

/**
 * `expr` without the series of AI Deploy jobs whose scrape alternates between replicas behind one URL: their
 * counters appear to reset at every switch, so any rate over them is wrong (see ./recording).
 */
export function withoutInterleaved(expr: string): string {
  return `(${expr} unless on (${LABEL.job}) (${INTERLEAVED_RECORD} > ${INTERLEAVE_RESETS}))`;
}

/** `rate(<selector>[window])` of a vLLM counter, interleaved AI Deploy jobs left out. */
export function counterRate(selector: string, window: string): string {
  return withoutInterleaved(`rate(${selector}[${window}])`);
}

/** `histogram_quantile(q, sum by (<by>, le) (rate(<m>_bucket{...}[window])))`, interleaved AI Deploy jobs left out. */
export function quantileOverRate(q: number, m: MetricDef, opts: { by: readonly string[]; window: string; matchers?: readonly string[] }): string {
  return `histogram_quantile(${q}, sum by (${[...opts.by, "le"].join(", ")}) (${counterRate(`${bucket(m)}${braces(opts.matchers ?? [])}`, opts.window)}))`;
}

/** `sum by (<by>) (rate(<counter>{...}[window]))`, interleaved AI Deploy jobs left out. */
export function sumRate(series: string, opts: { by: readonly string[]; window: string; matchers?: readonly string[] }): string {
  return `sum by (${opts.by.join(", ")}) (${counterRate(`${series}${braces(opts.matchers ?? [])}`, opts.window)})`;
}

/** `le` matcher for a histogram edge, which must be one of the metric's bucket edges (rendered as float). */
export function leMatcher(m: MetricDef, edge: number): string {
  if (!histogram(m).buckets?.includes(edge))
    throw new Error(`${edge} is not a bucket edge of ${m.name} (edges: ${m.buckets?.join(", ") ?? "unknown"})`);
  return `le="${leLabel(edge)}"`;
}

/** Per-model grouping of aggregated vLLM series (environment is empty on GPU cluster series: harmless). */
export const MODEL_GROUPING = [LABEL.environment, LABEL.modelName] as const;

/** Rate window of recording rules and alerts (≥ 4 scrape intervals of 15 s). */
export const RULE_WINDOW = "5m";

/**
 * KEDA Prometheus trigger query for one model: exactly one series (queue depth summed over the model's pods in its
 * namespace). KEDA divides it by `threshold` (AverageValue), i.e. the threshold is the queue per replica.
 */
export function kedaQueueDepthQuery(sel: { modelName: string; namespace: string }): string {
  return `sum(${VLLM.numRequestsWaiting.name}{${LABEL.modelName}=${promString(sel.modelName)},${LABEL.namespace}=${promString(sel.namespace)}})`;
}

/** Metric AI Deploy autoscales on by default (OVH reads it from each replica's /metrics; gauges only). */
export const AI_DEPLOY_AUTOSCALING_METRIC = VLLM.numRequestsRunning;

/**
 * `customMetrics.valueLocation` of an AI Deploy app: a metric selector OVH evaluates on each replica's /metrics.
 * Filtering on `model_name` keeps it to the served model even if vLLM ever exposes several.
 */
export function aiDeployValueLocation(sel: { servedModelName: string; metric?: MetricDef }): string {
  const metric = sel.metric ?? AI_DEPLOY_AUTOSCALING_METRIC;
  if (metric.type === "histogram") throw new Error(`${metric.name}: AI Deploy cannot read histograms`);
  return `${metric.name}{${LABEL.modelName}=${promString(sel.servedModelName)}}`;
}

/** Matchers for generic (non-`vllm:`) series of vLLM targets, e.g. `http_requests_total`, `up`. */
export const VLLM_TARGET_MATCHERS = [VLLM_TARGETS] as const;
