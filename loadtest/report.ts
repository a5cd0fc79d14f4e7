/** The human-readable report and progress line of a load test run. */
import type { LoadResult, Progress } from "./runner";
import { ERROR_KINDS } from "./runner";
import type { Summary } from "./stats";

const ms = (v: number): string => (Number.isNaN(v) ? "-" : v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : v >= 100 ? `${v.toFixed(0)}ms` : `${v.toFixed(1)}ms`);

function latencyRow(name: string, s: Summary): string {
  return `  ${name.padEnd(5)} ${[s.p50, s.p95, s.p99, s.mean, s.max].map((v) => ms(v).padStart(9)).join("")}   (${s.count} samples)`;
}

export function formatReport(r: LoadResult): string {
  const lines = [
    `Load test of ${r.target.model} at ${r.target.baseUrl}`,
    `  ${r.settings.concurrency} concurrent streams, max_tokens ${r.settings.maxTokens}, mix short/medium/long ${r.settings.mix.short}/${r.settings.mix.medium}/${r.settings.mix.long}`,
    `Requests: ${r.requests.total} sent, ${r.requests.ok} ok, ${r.requests.failed} failed in ${r.wallSeconds.toFixed(1)}s` +
      ` (short ${r.requests.byPromptClass.short}, medium ${r.requests.byPromptClass.medium}, long ${r.requests.byPromptClass.long})`,
    `Throughput: ${r.throughput.requestsPerSecond.toFixed(2)} req/s, ${r.throughput.outputTokensPerSecond.toFixed(1)} output tokens/s (${r.throughput.outputTokens} tokens)`,
    `Latency          p50      p95      p99     mean      max`,
    latencyRow("TTFT", r.ttftMs),
    latencyRow("ITL", r.itlMs),
    latencyRow("E2E", r.e2eMs),
  ];
  const errors = ERROR_KINDS.filter((k) => r.errors[k] > 0);
  lines.push(errors.length === 0 ? "Errors: none" : `Errors: ${errors.map((k) => `${k} ${r.errors[k]}`).join(", ")}`);
  for (const sample of r.errorSamples) lines.push(`  e.g. ${sample}`);
  return lines.join("\n") + "\n";
}

export function formatProgress(p: Progress): string {
  return `[${p.elapsedSeconds.toFixed(0).padStart(4)}s] ${p.completed} ok, ${p.failed} failed, ${p.inFlight} in flight, ${p.tokensPerSecond.toFixed(0)} tok/s`;
}
