/**
 * Service-level objectives a run (or a sweep step) is judged against, from `--slo`:
 *   `--slo ttft.p95=500,itl.p99=50,e2e.p99=20000,errors=1%`
 * Latency terms are `<ttft|itl|e2e>.<p50|p95|p99|mean|max>=<milliseconds>` (upper bounds); `errors` is the
 * highest share of failed requests, as a ratio (0.01) or a percentage (1%).
 */
import type { Summary } from "./stats";

export type LatencyName = "ttft" | "itl" | "e2e";
export type SummaryStat = "p50" | "p95" | "p99" | "mean" | "max";

export interface Slo {
  latency: { metric: LatencyName; stat: SummaryStat; maxMs: number }[];
  /** Highest acceptable failed / sent ratio. */
  maxErrorRatio?: number;
}

export interface SloVerdict {
  pass: boolean;
  /** One line per objective missed, e.g. `ttft.p95 812ms > 500ms`. */
  violations: string[];
}

const TERM = /^(ttft|itl|e2e)\.(p50|p95|p99|mean|max)=(\d+(?:\.\d+)?)(ms)?$/;

export function parseSlo(text: string): Slo {
  const slo: Slo = { latency: [] };
  for (const raw of text.split(",")) {
    const part = raw.trim();
    const m = TERM.exec(part);
    if (m) {
      slo.latency.push({ metric: m[1] as LatencyName, stat: m[2] as SummaryStat, maxMs: Number(m[3]) });
      continue;
    }
    const e = /^errors=(\d+(?:\.\d+)?)(%)?$/.exec(part);
    if (e) {
      const ratio = e[2] ? Number(e[1]) / 100 : Number(e[1]);
      if (ratio > 1) throw new Error(`--slo errors must be a ratio ≤ 1 or a percentage ≤ 100%; got "${part}"`);
      slo.maxErrorRatio = ratio;
      continue;
    }
    throw new Error(`--slo expects terms like ttft.p95=500 (ms), itl.p99=50, e2e.p99=20000, errors=1%; got "${part}"`);
  }
  return slo;
}

export function formatSlo(slo: Slo): string {
  const terms = slo.latency.map((l) => `${l.metric}.${l.stat} ≤ ${l.maxMs}ms`);
  if (slo.maxErrorRatio !== undefined) terms.push(`errors ≤ ${+(slo.maxErrorRatio * 100).toFixed(3)}%`);
  return terms.join(", ");
}

/** Judges measured latencies (ms) and error counts. A latency with no sample at all misses its objective. */
export function judge(slo: Slo, measured: { summaries: Record<LatencyName, Summary>; sent: number; failed: number }): SloVerdict {
  const violations: string[] = [];
  for (const l of slo.latency) {
    const s = measured.summaries[l.metric];
    const v = s[l.stat];
    if (s.count === 0 || Number.isNaN(v)) violations.push(`${l.metric}.${l.stat}: no successful request to measure`);
    else if (v > l.maxMs) violations.push(`${l.metric}.${l.stat} ${v.toFixed(1)}ms > ${l.maxMs}ms`);
  }
  if (slo.maxErrorRatio !== undefined) {
    const ratio = measured.sent === 0 ? 1 : measured.failed / measured.sent;
    if (ratio > slo.maxErrorRatio) violations.push(`errors ${(ratio * 100).toFixed(2)}% > ${+(slo.maxErrorRatio * 100).toFixed(3)}%`);
  }
  return { pass: violations.length === 0, violations };
}
