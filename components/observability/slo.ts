/**
 * SLO recording rules and multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", table 5-8):
 * page when the last hour burned the error budget 14.4× faster than the SLO allows (and the last 5 minutes still do),
 * or the last 6 hours 6× (and the last 30 minutes); open a ticket at 1× over 3 days (and the last 6 hours). Over a
 * 30-day window these spend 2 %, 5 % and 10 % of the budget. The factors are the workbook's for 30 days and are kept
 * for other windows (a burn rate does not depend on the window; the share of budget it spends does).
 *
 * SLIs, per served model (`model_name`):
 *  - availability: share of OpenAI API requests (`http_requests_total{handler=~"/v1/.+"}`) not answered 5xx;
 *  - latency: share of requests whose TTFT is at most the model's threshold, read from the `le` bucket of
 *    `vllm:time_to_first_token_seconds` (the threshold is a bucket edge, checked in config).
 * Objectives, budgets and thresholds come from the inventory series (./models), so these rules do not change with
 * the config and the SLO dashboard can read them.
 */
import { VLLM } from "../metrics/catalogue";
import { LABEL, VLLM_TARGETS } from "./conventions";
import { INVENTORY_LABEL, MODEL_INFO, SLO_ERROR_BUDGET, SLO_TTFT_THRESHOLD, type RecordingRule, type SloName } from "./models";
import { counterRate } from "./queries";
import { apiRequestIncrease } from "./recording";

/** Windows the burn-rate alerts read. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "6h", "3d"] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

export interface BurnCondition {
  long: SloWindow;
  short: SloWindow;
  factor: number;
}
export const BURN = {
  page: [
    { long: "1h", short: "5m", factor: 14.4 },
    { long: "6h", short: "30m", factor: 6 },
  ],
  ticket: [{ long: "3d", short: "6h", factor: 1 }],
} as const satisfies Record<string, readonly BurnCondition[]>;

/** Share of bad events over a window, per model and SLO. `window` = the configured SLO window. */
export const sliErrorRecord = (w: SloWindow | "window") => (w === "window" ? "slo:sli_error:ratio_window" : `slo:sli_error:ratio_rate${w}`);
/** Error ratio divided by the error budget: 1 = spending the budget exactly over the SLO window. */
export const burnRateRecord = (w: SloWindow) => `slo:burn_rate:rate${w}`;
/** Share of the error budget left over the SLO window (1 = untouched, 0 = spent, negative = overspent). */
export const BUDGET_REMAINING = "slo:error_budget_remaining:ratio";

const MODEL = LABEL.modelName;
const toModel = (perJob: string) => `sum by (${MODEL}) (${perJob} * on (${LABEL.job}) group_left (${MODEL}) ${MODEL_INFO})`;

/** Availability: 5xx / all API requests per model; 0 when no 5xx series exists yet, no data without traffic. */
function availabilityErrors(window: string): string {
  const total = apiRequestIncrease(window);
  const errors = `(${apiRequestIncrease(window, ['status="5xx"'])} or ${total} * 0)`;
  return `${toModel(errors)} / (${toModel(total)} > 0)`;
}

/** Latency: 1 - (requests with TTFT <= threshold) / requests, the threshold bucket picked by joining on `le`. */
function latencyErrors(window: string): string {
  const rate = (series: string) => counterRate(`${series}{${VLLM_TARGETS}}`, window);
  const good = `sum by (${MODEL}) (${rate(`${VLLM.ttft.name}_bucket`)} * on (${MODEL}, le) group_left () ${SLO_TTFT_THRESHOLD})`;
  const all = `sum by (${MODEL}) (${rate(`${VLLM.ttft.name}_count`)})`;
  return `1 - ${good} / (${all} > 0)`;
}

const SLI: Record<SloName, (window: string) => string> = { availability: availabilityErrors, latency: latencyErrors };

/** Every SLO recording rule; `sloWindow` is the configured window (e.g. `30d`) for the budget left. */
export function sloRecordingRules(sloWindow: string): RecordingRule[] {
  const rules: RecordingRule[] = [];
  for (const [slo, sli] of Object.entries(SLI) as [SloName, (w: string) => string][]) {
    for (const w of SLO_WINDOWS) rules.push({ record: sliErrorRecord(w), expr: sli(w), labels: { [INVENTORY_LABEL.slo]: slo } });
    rules.push({ record: sliErrorRecord("window"), expr: sli(sloWindow), labels: { [INVENTORY_LABEL.slo]: slo } });
  }
  const perBudget = (series: string) => `${series} / on (${MODEL}, ${INVENTORY_LABEL.slo}) ${SLO_ERROR_BUDGET}`;
  for (const w of SLO_WINDOWS) rules.push({ record: burnRateRecord(w), expr: perBudget(sliErrorRecord(w)) });
  rules.push({ record: BUDGET_REMAINING, expr: `1 - ${perBudget(sliErrorRecord("window"))}` });
  return rules;
}

/** `(burn(long) > f and burn(short) > f) or ...` for a set of conditions. */
export function burnExpr(conditions: readonly BurnCondition[]): string {
  return conditions.map((c) => `(${burnRateRecord(c.long)} > ${c.factor} and ${burnRateRecord(c.short)} > ${c.factor})`).join(" or ");
}
