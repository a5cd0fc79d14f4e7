/** The human-readable report and progress line of a load test run or a sweep. */
import type { LoadResult, Progress } from "./runner";
import { ERROR_KINDS } from "./runner";
import { formatSlo } from "./slo";
import type { Summary } from "./stats";
import type { SweepResult, SweepStep } from "./sweep";

const ms = (v: number): string => (Number.isNaN(v) ? "-" : v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : v >= 100 ? `${v.toFixed(0)}ms` : `${v.toFixed(1)}ms`);

function latencyRow(name: string, s: Summary): string {
  return `  ${name.padEnd(5)} ${[s.p50, s.p95, s.p99, s.mean, s.max].map((v) => ms(v).padStart(9)).join("")}   (${s.count} samples)`;
}

function loadLine(r: LoadResult): string {
  const base = `max_tokens ${r.settings.maxTokens}, mix short/medium/long ${r.settings.mix.short}/${r.settings.mix.medium}/${r.settings.mix.long}`;
  if (r.mode === "closed") return `  closed loop, ${r.settings.concurrency} concurrent streams, ${base}`;
  const offered = r.schedule ? `${r.schedule.offeredRate.toFixed(2)} req/s offered` : "";
  return `  open loop (Poisson arrivals), ${offered}, at most ${r.settings.maxInFlight} in flight, ${base}`;
}

export function formatReport(r: LoadResult): string {
  const extra = [r.requests.skipped > 0 ? `${r.requests.skipped} skipped at the in-flight cap` : "", r.requests.aborted > 0 ? `${r.requests.aborted} cancelled` : ""].filter(Boolean);
  const lines = [
    `Load test of ${r.target.model} at ${r.target.baseUrl}`,
    loadLine(r),
    `Requests: ${r.requests.total} sent, ${r.requests.ok} ok, ${r.requests.failed} failed${extra.length ? `, ${extra.join(", ")}` : ""} in ${r.wallSeconds.toFixed(1)}s` +
      ` (short ${r.requests.byPromptClass.short}, medium ${r.requests.byPromptClass.medium}, long ${r.requests.byPromptClass.long})`,
  ];
  if (r.schedule)
    lines.push(`Schedule: ${r.schedule.sent} sent over ${r.schedule.scheduledSeconds.toFixed(1)}s = ${r.schedule.sendRate.toFixed(2)} req/s (offered ${r.schedule.offeredRate.toFixed(2)}), send lag p99 ${ms(r.schedule.lagP99Ms)}, max ${ms(r.schedule.lagMaxMs)}`);
  lines.push(
    `Throughput (successful requests): ${r.throughput.requestsPerSecond.toFixed(2)} req/s, ${r.throughput.outputTokensPerSecond.toFixed(1)} output tokens/s (${r.throughput.outputTokens} streamed tokens)`,
    `Latency          p50      p95      p99     mean      max`,
    latencyRow("TTFT", r.ttftMs),
    latencyRow("ITL", r.itlMs),
    latencyRow("E2E", r.e2eMs),
  );
  const u = r.usageCheck;
  if (u.mismatched > 0)
    lines.push(`Usage cross-check: the server's usage disagrees with the stream on ${u.mismatched} of ${u.requests} requests (usage ${u.usageTokens} tokens, stream ${u.streamedTokens} chunks); throughput counts the stream`);
  const errors = ERROR_KINDS.filter((k) => r.errors[k] > 0);
  lines.push(errors.length === 0 ? "Errors: none" : `Errors: ${errors.map((k) => `${k} ${r.errors[k]}`).join(", ")}`);
  for (const sample of r.errorSamples) lines.push(`  e.g. ${sample}`);
  return lines.join("\n") + "\n";
}

export function formatProgress(p: Progress): string {
  return `[${p.elapsedSeconds.toFixed(0).padStart(4)}s] ${p.completed} ok, ${p.failed} failed, ${p.inFlight} in flight, ${p.tokensPerSecond.toFixed(0)} tok/s`;
}

export function formatStep(kind: SweepResult["kind"], s: SweepStep): string {
  const r = s.result;
  const what = kind === "rate" ? `${s.value} req/s` : `${s.value} streams`;
  return (
    `${what.padStart(12)}  ${r.throughput.requestsPerSecond.toFixed(2).padStart(8)} req/s ${r.throughput.outputTokensPerSecond.toFixed(0).padStart(7)} tok/s` +
    `  TTFT p50/p95/p99 ${ms(r.ttftMs.p50)}/${ms(r.ttftMs.p95)}/${ms(r.ttftMs.p99)}  ITL p95/p99 ${ms(r.itlMs.p95)}/${ms(r.itlMs.p99)}` +
    `  E2E p95/p99 ${ms(r.e2eMs.p95)}/${ms(r.e2eMs.p99)}  errors ${r.requests.failed + r.requests.skipped}` +
    `  ${s.verdict.pass ? "SLO ok" : `SLO missed: ${s.verdict.violations.join("; ")}`}`
  );
}

export function formatSweep(s: SweepResult, target: { model: string; baseUrl: string }): string {
  const unit = s.kind === "rate" ? "req/s" : "concurrent streams";
  const lines = [`Sweep of ${target.model} at ${target.baseUrl}: ${s.kind === "rate" ? "open-loop rates" : "concurrencies"}, ${s.stepSeconds}s per step, SLO ${formatSlo(s.slo)}`];
  for (const step of s.steps) lines.push(formatStep(s.kind, step));
  lines.push(s.maxWithinSlo === null ? `Capacity: no step holds the SLO (the lowest, ${s.steps[0]?.value} ${unit}, misses it)` : `Capacity: ${s.maxWithinSlo} ${unit} is the highest step within the SLO`);
  return lines.join("\n") + "\n";
}
