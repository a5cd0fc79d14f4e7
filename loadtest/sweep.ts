/**
 * A capacity sweep: the same load at increasing request rates (open loop) or concurrencies (closed loop), one step
 * after the other, each judged against the SLO. The answer is the highest step that holds the SLO with every step
 * below it holding too — "this deployment holds N req/s under TTFT p95 ≤ 500 ms".
 */
import { LoadOptions, LoadResult, runLoad } from "./runner";
import { judge, type Slo, type SloVerdict } from "./slo";

export interface SweepOptions {
  /** Options of every step; `rate`/`concurrency`/`durationSeconds` are set per step. */
  base: Omit<LoadOptions, "rate" | "concurrency" | "schedule" | "durationSeconds" | "maxRequests" | "onProgress">;
  kind: "rate" | "concurrency";
  /** Step values, ascending. */
  values: number[];
  stepSeconds: number;
  slo: Slo;
  /** Stop after the first step that misses the SLO (the default); false runs every step. */
  stopOnFail?: boolean;
  onStep?: (step: SweepStep) => void;
}

export interface SweepStep {
  value: number;
  result: LoadResult;
  verdict: SloVerdict;
}

export interface SweepResult {
  kind: "rate" | "concurrency";
  slo: Slo;
  stepSeconds: number;
  steps: SweepStep[];
  /** Highest value with this and every lower step within the SLO; null when the first step already misses it. */
  maxWithinSlo: number | null;
}

export function parseSteps(text: string, flag: string): number[] {
  const values = text.split(",").map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error(`${flag} expects positive numbers separated by commas, e.g. 1,2,4,8; got "${text}"`);
  for (let i = 1; i < values.length; i++) if (values[i] <= values[i - 1]) throw new Error(`${flag} must be ascending; got "${text}"`);
  return values;
}

export function stepVerdict(slo: Slo, r: LoadResult): SloVerdict {
  return judge(slo, {
    summaries: { ttft: r.ttftMs, itl: r.itlMs, e2e: r.e2eMs },
    // Arrivals skipped at the in-flight cap were offered load the client could not send: they count as failures.
    sent: r.requests.ok + r.requests.failed + r.requests.skipped,
    failed: r.requests.failed + r.requests.skipped,
  });
}

/** The highest passing value before the first failing step. */
export function maxWithinSlo(steps: readonly { value: number; verdict: SloVerdict }[]): number | null {
  let best: number | null = null;
  for (const s of steps) {
    if (!s.verdict.pass) break;
    best = s.value;
  }
  return best;
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  if (o.slo.latency.length === 0 && o.slo.maxErrorRatio === undefined) throw new Error("a sweep needs --slo (e.g. ttft.p95=500,errors=1%): it reports the highest step within it");
  const steps: SweepStep[] = [];
  for (const value of o.values) {
    if (o.base.signal?.aborted) break;
    const result = await runLoad({ ...o.base, ...(o.kind === "rate" ? { rate: value } : { concurrency: value }), durationSeconds: o.stepSeconds, seed: (o.base.seed ?? 1) + steps.length });
    const step = { value, result, verdict: stepVerdict(o.slo, result) };
    steps.push(step);
    o.onStep?.(step);
    if (!step.verdict.pass && o.stopOnFail !== false) break;
  }
  return { kind: o.kind, slo: o.slo, stepSeconds: o.stepSeconds, steps, maxWithinSlo: maxWithinSlo(steps) };
}
