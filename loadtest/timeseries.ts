/**
 * Per-second time series of a run (`--json`, plots, the demo's progress). Events arrive in time order, so a second
 * is summarised and its samples dropped as soon as the next one begins: memory stays bounded on long runs.
 */
import { percentile } from "./stats";

export interface SecondPoint {
  /** Start of the second, seconds since the run started. */
  t: number;
  /** Requests sent in this second. */
  sent: number;
  ok: number;
  failed: number;
  /** Requests in flight at the end of the second. */
  inFlight: number;
  /** Content chunks received in this second, on every stream (also ones that fail later). */
  chunksReceived: number;
  /** TTFT of the requests whose first token arrived in this second (ms); null when there was none. */
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  /** Gaps between chunks that arrived in this second (ms). */
  itlP50Ms: number | null;
  itlP95Ms: number | null;
  /** E2E of the requests that completed successfully in this second (ms). */
  e2eP50Ms: number | null;
  e2eP95Ms: number | null;
}

class Bucket {
  sent = 0;
  ok = 0;
  failed = 0;
  chunks = 0;
  ttft: number[] = [];
  itl: number[] = [];
  e2e: number[] = [];
}

const pct = (values: number[], p: number): number | null => {
  if (values.length === 0) return null;
  return +percentile(Float64Array.from(values).sort(), p).toFixed(2);
};

export class TimeSeriesRecorder {
  readonly points: SecondPoint[] = [];
  private current = new Bucket();
  private second = 0;

  /** `inFlight` is read when a second closes. */
  constructor(private readonly inFlight: () => number) {}

  /** The bucket of the second `elapsedMs` falls in, closing the seconds before it. */
  private at(elapsedMs: number): Bucket {
    const s = Math.max(0, Math.floor(elapsedMs / 1000));
    while (this.second < s) this.close();
    return this.current;
  }

  private close(): void {
    const b = this.current;
    this.points.push({
      t: this.second,
      sent: b.sent,
      ok: b.ok,
      failed: b.failed,
      inFlight: this.inFlight(),
      chunksReceived: b.chunks,
      ttftP50Ms: pct(b.ttft, 50),
      ttftP95Ms: pct(b.ttft, 95),
      itlP50Ms: pct(b.itl, 50),
      itlP95Ms: pct(b.itl, 95),
      e2eP50Ms: pct(b.e2e, 50),
      e2eP95Ms: pct(b.e2e, 95),
    });
    this.current = new Bucket();
    this.second++;
  }

  sent(ms: number): void {
    this.at(ms).sent++;
  }
  firstToken(ms: number, ttftMs: number): void {
    const b = this.at(ms);
    b.ttft.push(ttftMs);
    b.chunks++;
  }
  chunk(ms: number, gapMs: number): void {
    const b = this.at(ms);
    b.itl.push(gapMs);
    b.chunks++;
  }
  completed(ms: number, ok: boolean, e2eMs: number): void {
    const b = this.at(ms);
    if (ok) {
      b.ok++;
      b.e2e.push(e2eMs);
    } else b.failed++;
  }
  /** Closes every second up to `elapsedMs` (the progress tick); returns the points closed since `from`. */
  advance(elapsedMs: number, from: number): SecondPoint[] {
    this.at(elapsedMs);
    return this.points.slice(from);
  }
  /** Closes the last, partial second. */
  finish(elapsedMs: number): SecondPoint[] {
    this.at(elapsedMs);
    this.close();
    return this.points;
  }
}
