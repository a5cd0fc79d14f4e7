/**
 * Alert and recording rules built from the config thresholds (`monitoring.alerting.thresholds`). Rendered into a
 * PrometheusRule (`spec.groups`) by the monitoring stack; proven by promtool unit tests and a live Prometheus test.
 */
import * as yaml from "js-yaml";
import type { AlertThresholds } from "../../config/schema";
import { FEDERATION_JOB } from "../gpu/federation";
import { DCGM, PROMETHEUS, VLLM } from "../metrics/catalogue";
import { AI_DEPLOY_TARGETS, LABEL, NOT_AI_DEPLOY_TARGETS, VLLM_TARGETS } from "./conventions";
import { RULE_WINDOW, histCount, bucket, leMatcher, MODEL_GROUPING } from "./queries";
import { RECORD, latencyQuantileRecord, recordingRules } from "./recording";

export interface PromRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PromRuleGroup {
  name: string;
  interval?: string;
  rules: PromRule[];
}

export type Severity = "critical" | "warning";

/**
 * One alert, with what tests and docs need besides the rule itself. Annotations use only `{{ $labels.* }}`
 * templates (thresholds are filled in here), so promtool tests can state the exact expected annotations.
 */
export interface AlertDefinition {
  alert: string;
  severity: Severity;
  /** The full alert condition. */
  expr: string;
  /** The measured value before the threshold is applied (must return data on a healthy, loaded system). */
  signal: string;
  for: string;
  /** `AlertThresholds` key the threshold comes from, if any. */
  thresholdKey?: keyof AlertThresholds;
  summary: string;
  description: string;
  group: "vllm" | "availability" | "gpu";
}

const UP = PROMETHEUS.up.name;
const fmt = (n: number): string => String(n);
const pct = (ratio: number): string => `${Math.round(ratio * 1000) / 10}%`;

/** Every alert of the program, thresholds filled in. */
export function alertDefinitions(t: AlertThresholds): AlertDefinition[] {
  const above = (signal: string, threshold: number) => ({ signal, expr: `${signal} > ${fmt(threshold)}` });
  const slowEdge = leMatcher(VLLM.e2eLatency, t.slowRequestSeconds);
  const slowSignal =
    `sum by (${MODEL_GROUPING.join(", ")}) (increase(${histCount(VLLM.e2eLatency)}[${RULE_WINDOW}]))` +
    ` - sum by (${MODEL_GROUPING.join(", ")}) (increase(${bucket(VLLM.e2eLatency)}{${slowEdge}}[${RULE_WINDOW}]))`;
  const fbTotal = `(${DCGM.fbUsed.name} + ${DCGM.fbFree.name} + ${DCGM.fbReserved.name})`;
  const gpuDbe = `increase(${DCGM.eccDbeVolatile.name}[10m])`;
  return [
    {
      alert: "VllmTtftP95High", severity: "warning", group: "vllm", for: "10m", thresholdKey: "ttftP95Seconds",
      ...above(latencyQuantileRecord("ttft", 0.95), t.ttftP95Seconds),
      summary: `vLLM time to first token p95 above ${t.ttftP95Seconds}s for {{ $labels.model_name }}`,
      description: `p95 TTFT over ${RULE_WINDOW} exceeds ${t.ttftP95Seconds}s: requests queue or prefill is slow. Check queue depth, KV cache and replica count.`,
    },
    {
      alert: "VllmTtftP99High", severity: "critical", group: "vllm", for: "5m", thresholdKey: "ttftP99Seconds",
      ...above(latencyQuantileRecord("ttft", 0.99), t.ttftP99Seconds),
      summary: `vLLM time to first token p99 above ${t.ttftP99Seconds}s for {{ $labels.model_name }}`,
      description: `p99 TTFT over ${RULE_WINDOW} exceeds ${t.ttftP99Seconds}s: users wait too long for the first token.`,
    },
    {
      alert: "VllmE2eLatencyP99High", severity: "warning", group: "vllm", for: "10m", thresholdKey: "e2eP99Seconds",
      ...above(latencyQuantileRecord("e2e", 0.99), t.e2eP99Seconds),
      summary: `vLLM end-to-end latency p99 above ${t.e2eP99Seconds}s for {{ $labels.model_name }}`,
      description: `p99 end-to-end request latency over ${RULE_WINDOW} exceeds ${t.e2eP99Seconds}s.`,
    },
    {
      alert: "VllmInterTokenLatencyP99High", severity: "warning", group: "vllm", for: "10m", thresholdKey: "itlP99Seconds",
      ...above(latencyQuantileRecord("itl", 0.99), t.itlP99Seconds),
      summary: `vLLM inter-token latency p99 above ${t.itlP99Seconds}s for {{ $labels.model_name }}`,
      description: `p99 inter-token latency over ${RULE_WINDOW} exceeds ${t.itlP99Seconds}s: decoding is slow (batch too large, preemptions or GPU throttling).`,
    },
    {
      alert: "VllmSlowRequestsPresent", severity: "warning", group: "vllm", for: "1m", thresholdKey: "slowRequestSeconds",
      // increase() extrapolates, so "at least one request" is > 0.5 rather than > 0.
      signal: slowSignal, expr: `(${slowSignal}) > 0.5`,
      summary: `vLLM requests slower than ${t.slowRequestSeconds}s for {{ $labels.model_name }}`,
      description: `Requests took longer than ${t.slowRequestSeconds}s end to end in the last ${RULE_WINDOW}.`,
    },
    {
      alert: "VllmKvCacheNearFull", severity: "warning", group: "vllm", for: "5m", thresholdKey: "kvCacheUsageRatio",
      ...above(VLLM.kvCacheUsage.name, t.kvCacheUsageRatio),
      summary: `vLLM KV cache above ${pct(t.kvCacheUsageRatio)} on {{ $labels.instance }} ({{ $labels.model_name }})`,
      description: `KV cache usage above ${pct(t.kvCacheUsageRatio)}: new requests wait and running ones get preempted. Add replicas or lower max-num-seqs.`,
    },
    {
      alert: "VllmQueueDepthHigh", severity: "warning", group: "vllm", for: "5m", thresholdKey: "queueDepthPerReplica",
      ...above(RECORD.queueDepthPerReplica, t.queueDepthPerReplica),
      summary: `More than ${t.queueDepthPerReplica} requests waiting per vLLM replica for {{ $labels.model_name }}`,
      description: `More than ${t.queueDepthPerReplica} queued requests per replica: autoscaling is at its maximum or too slow.`,
    },
    {
      alert: "VllmPreemptionRateHigh", severity: "warning", group: "vllm", for: "5m", thresholdKey: "preemptionsPerSecond",
      ...above(RECORD.preemptionRate, t.preemptionsPerSecond),
      summary: `vLLM preempts more than ${t.preemptionsPerSecond} requests/s for {{ $labels.model_name }}`,
      description: `More than ${t.preemptionsPerSecond} preemptions/s: the KV cache is too small for the load.`,
    },
    {
      alert: "VllmHttp5xxRatioHigh", severity: "critical", group: "vllm", for: "5m", thresholdKey: "http5xxRatio",
      ...above(RECORD.http5xxRatio, t.http5xxRatio),
      summary: `More than ${pct(t.http5xxRatio)} of vLLM HTTP responses are 5xx ({{ $labels.job }})`,
      description: `More than ${pct(t.http5xxRatio)} of requests fail with a server error.`,
    },
    {
      alert: "VllmReplicaDown", severity: "warning", group: "availability", for: "2m",
      signal: `${UP}{${VLLM_TARGETS},${NOT_AI_DEPLOY_TARGETS}}`,
      expr: `${UP}{${VLLM_TARGETS},${NOT_AI_DEPLOY_TARGETS}} == 0`,
      summary: "vLLM replica {{ $labels.instance }} is down ({{ $labels.job }})",
      description: "Prometheus cannot scrape a vLLM pod of the GPU cluster for 2 minutes: the pod is crashing, restarting or out of memory.",
    },
    {
      alert: "VllmAllReplicasDown", severity: "critical", group: "availability", for: "2m",
      signal: `sum by (${LABEL.job}) (${UP}{${VLLM_TARGETS}})`,
      // First form: every target of a job is down. Second: no vLLM engine reports at all (pods gone, discovery empty,
      // or the GPU cluster federation returns nothing), where there is no `up == 0` to see.
      expr: `sum by (${LABEL.job}) (${UP}{${VLLM_TARGETS}}) == 0 or absent(${VLLM.numRequestsRunning.name})`,
      summary: "No vLLM replica answers ({{ $labels.job }})",
      description: "Every vLLM replica of a job is down, or no vLLM engine reports metrics at all: the model is unavailable.",
    },
    {
      alert: "AiDeployScrapeTargetDown", severity: "critical", group: "availability", for: "5m",
      signal: `${UP}{${AI_DEPLOY_TARGETS}}`,
      expr: `${UP}{${AI_DEPLOY_TARGETS}} == 0`,
      summary: "AI Deploy app {{ $labels.job }} cannot be scraped",
      description: "The AI Deploy app is not RUNNING, or its /metrics rejects our token (renewed or revoked?). Check `ovhai app get` and the scrape error on the Prometheus targets page.",
    },
    {
      alert: "GpuClusterMetricsDown", severity: "critical", group: "availability", for: "5m",
      signal: `${UP}{${LABEL.job}="${FEDERATION_JOB}"}`,
      expr: `${UP}{${LABEL.job}="${FEDERATION_JOB}"} == 0`,
      summary: "The GPU cluster's Prometheus cannot be federated ({{ $labels.cluster }})",
      description: "The central Prometheus gets no vLLM or DCGM series from the GPU cluster: its Prometheus, the metrics route or the federation password is broken. GPU cluster alerts are blind meanwhile.",
    },
    {
      alert: "GpuTemperatureHigh", severity: "warning", group: "gpu", for: "5m", thresholdKey: "gpuTemperatureCelsius",
      ...above(DCGM.gpuTemp.name, t.gpuTemperatureCelsius),
      summary: `GPU {{ $labels.gpu }} on {{ $labels.hostname }} above ${t.gpuTemperatureCelsius}°C`,
      description: `GPU temperature above ${t.gpuTemperatureCelsius}°C: the GPU will throttle its clocks.`,
    },
    {
      alert: "GpuMemoryNearFull", severity: "warning", group: "gpu", for: "10m", thresholdKey: "gpuMemoryUsedRatio",
      ...above(`${DCGM.fbUsed.name} / ${fbTotal}`, t.gpuMemoryUsedRatio),
      summary: `GPU {{ $labels.gpu }} on {{ $labels.hostname }} memory above ${pct(t.gpuMemoryUsedRatio)} used`,
      description: `GPU framebuffer above ${pct(t.gpuMemoryUsedRatio)} (vLLM reserves --gpu-memory-utilization, 0.9 by default): another process shares the GPU, or the setting is too high.`,
    },
    {
      alert: "GpuEccDoubleBitErrors", severity: "critical", group: "gpu", for: "1m",
      // DCGM_FI_DEV_ECC_* are exported only with our dcgmMetricsCsv() (not a default collector).
      signal: gpuDbe, expr: `${gpuDbe} > 0`,
      summary: "Uncorrectable ECC errors on GPU {{ $labels.gpu }} ({{ $labels.UUID }}) of {{ $labels.hostname }}",
      description: "Double-bit ECC errors in the last 10 minutes: results on this GPU can be wrong. Drain the node and have the GPU checked.",
    },
  ];
}

const GROUP_NAMES = { vllm: "ovh-llm.vllm.alerts", availability: "ovh-llm.availability.alerts", gpu: "ovh-llm.gpu.alerts" } as const;
export const RECORDING_GROUP = "ovh-llm.vllm.recording";

/** Every alert and recording rule group of the program (PrometheusRule `spec.groups`). */
export function prometheusRuleGroups(thresholds: AlertThresholds, opts: { environment: string }): PromRuleGroup[] {
  const alerts = alertDefinitions(thresholds);
  const toRule = (a: AlertDefinition): PromRule => ({
    alert: a.alert,
    expr: a.expr,
    for: a.for,
    labels: { severity: a.severity, [LABEL.environment]: opts.environment },
    annotations: { summary: a.summary, description: a.description },
  });
  return [
    { name: RECORDING_GROUP, rules: recordingRules().map((r) => ({ record: r.record, expr: r.expr })) },
    ...(Object.keys(GROUP_NAMES) as AlertDefinition["group"][]).map((g) => ({
      name: GROUP_NAMES[g],
      rules: alerts.filter((a) => a.group === g).map(toRule),
    })),
  ];
}

/** A Prometheus rule file (`groups:`) as YAML, the format of `promtool check rules` and `rule_files`. */
export function ruleFileYaml(groups: PromRuleGroup[]): string {
  return yaml.dump({ groups }, { lineWidth: -1, noRefs: true, quotingType: '"' });
}
