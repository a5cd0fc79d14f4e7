/**
 * Config slice: service level objectives per model (`monitoring.slo`). Availability is the share of API requests that
 * are not answered 5xx; latency is the share of requests whose time to first token is at most `ttftSeconds`. The
 * threshold must be one of vLLM's TTFT histogram bucket edges: the SLI counts requests in the `le="<ttftSeconds>"`
 * bucket, and a value between two edges would silently count against the next edge.
 */
import { z } from "zod";
import { VLLM_BUCKETS } from "../../components/metrics/catalogue";
import { msg } from "./common";

const objective = z
  .number(msg("an objective such as 0.995 (more than 0.5, less than 1)"))
  .gt(0.5, msg("an objective such as 0.995 (more than 0.5, less than 1)"))
  .lt(1, msg("an objective such as 0.995 (more than 0.5, less than 1: an objective of 1 leaves no error budget)"));

const ttftEdge = z
  .number(msg("a number of seconds"))
  .refine((s) => (VLLM_BUCKETS.ttft as readonly number[]).includes(s), msg(`one of vLLM's TTFT bucket edges (${VLLM_BUCKETS.ttft.join(", ")}) in seconds`));

/** SLO window: whole days, 7 to 90 (the error budget is counted over it). */
const sloWindow = z
  .string(msg("a number of days such as 30d"))
  .regex(/^[1-9]\d*d$/, msg("a number of days such as 28d or 30d"))
  .refine((w) => Number(w.slice(0, -1)) >= 7 && Number(w.slice(0, -1)) <= 90, msg("7d to 90d"));

export const sloObjectivesSchema = z
  .object({
    /** Share of requests not answered 5xx. */
    availability: objective.default(0.995),
    /** Share of requests with a time to first token of at most `ttftSeconds`. */
    latency: objective.default(0.95),
    /** TTFT threshold of the latency SLO; one of vLLM's TTFT bucket edges. */
    ttftSeconds: ttftEdge.default(2.5),
  })
  .strict();

export const SLO_DEFAULTS = sloObjectivesSchema.parse({});

/** One model's overrides: only what it sets (no defaults, which would mask the environment's values). */
const sloOverridesSchema = z.object({ availability: objective.optional(), latency: objective.optional(), ttftSeconds: ttftEdge.optional() }).strict();

export const sloSchema = z
  .object({
    window: sloWindow.default("30d"),
    availability: objective.default(SLO_DEFAULTS.availability),
    latency: objective.default(SLO_DEFAULTS.latency),
    ttftSeconds: ttftEdge.default(SLO_DEFAULTS.ttftSeconds),
    /** Per served model name (vLLM's `model_name`): objectives that differ from the ones above. */
    models: z.record(z.string().min(1), sloOverridesSchema, msg("a map of served model names to objectives")).default({}),
  })
  .strict();

export type SloConfig = z.infer<typeof sloSchema>;
export type SloObjectives = z.infer<typeof sloObjectivesSchema>;

/** The objectives of one served model: its overrides over the environment's defaults. */
export function sloObjectivesFor(slo: SloConfig, servedModelName: string): SloObjectives {
  const { availability, latency, ttftSeconds } = slo;
  return { availability, latency, ttftSeconds, ...slo.models[servedModelName] };
}

/** Keys of `monitoring.slo.models` that name no model the stack deploys (a typo would silently keep the defaults). */
export function unknownSloModels(slo: SloConfig, servedModelNames: readonly string[]): string[] {
  return Object.keys(slo.models).filter((name) => !servedModelNames.includes(name));
}
