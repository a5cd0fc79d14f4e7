/**
 * Config slice: request tracing (`tracing`): vLLM and Envoy Gateway spans → an OpenTelemetry Collector with tail
 * sampling → Tempo, both on the GPU cluster, read by Grafana. Thresholds default to the TTFT/E2E p99 alert thresholds
 * (`monitoring.alerting.thresholds`), so "slow" means the same for the alert and the kept traces.
 */
import { z } from "zod";
import { dnsSubdomain, intBetween, msg, positive, storageSize } from "./common";

/** Seconds, as vLLM reports its latencies (gen_ai.latency.* are float seconds); at most a day. */
const seconds = positive.max(86_400, msg("a number of seconds greater than 0, at most 86400"));

const thresholdsSchema = z.object({ ttftSeconds: seconds.optional(), e2eSeconds: seconds.optional() }).strict();

export const tracingSamplingSchema = z
  .object({
    /** Keep every trace whose time to first token is at least this (default: `monitoring.alerting.thresholds.ttftP99Seconds`). */
    ttftSeconds: seconds.optional(),
    /** Keep every trace whose end-to-end latency is at least this (default: `monitoring.alerting.thresholds.e2eP99Seconds`). */
    e2eSeconds: seconds.optional(),
    /** Per served model name: thresholds that differ from the two above. */
    models: z.record(z.string().min(1), thresholdsSchema, msg("a map of served model names to {ttftSeconds, e2eSeconds}")).default({}),
    /** Share of the other traces (neither slow nor errored) kept anyway, in percent. */
    baselinePercent: z.number(msg("a percentage from 0 to 100")).min(0, msg("a percentage from 0 to 100")).max(100, msg("a percentage from 0 to 100")).default(1),
    /** How long the collector holds a trace's spans, from its first span, before it decides. */
    decisionWaitSeconds: intBetween(5, 300).default(30),
    /** Traces held in memory at once (the collector's memory is sized from it). */
    numTraces: intBetween(1000, 1_000_000).default(50_000),
  })
  .strict();

export const tracingSchema = z
  .object({
    enabled: z.literal(true).default(true),
    sampling: tracingSamplingSchema.default(tracingSamplingSchema.parse({})),
    /** How long Tempo keeps traces, in hours. */
    retentionHours: intBetween(1, 2160).default(168),
    /** Tempo's volume (a PVC on the GPU cluster). */
    storageSize: storageSize.default("50Gi"),
    storageClass: dnsSubdomain.default("csi-cinder-high-speed"),
  })
  .strict();

export type TracingConfig = z.infer<typeof tracingSchema>;

/** Keys of `tracing.sampling.models` that name no deployed model (a typo would silently keep the defaults). */
export function unknownTracingModels(tracing: TracingConfig, servedModelNames: readonly string[]): string[] {
  return Object.keys(tracing.sampling.models).filter((name) => !servedModelNames.includes(name));
}
