/**
 * Open-loop arrival schedules. A Poisson process of rate λ over [0, T], conditioned on its count being exactly
 * n = round(λT), has its arrival times distributed as n sorted uniform draws on [0, T] (the order-statistics
 * property of the Poisson process). Drawing them that way keeps Poisson's exponential-looking gaps and burstiness
 * while the run's rate is exactly the one asked for — a free-running Poisson count would miss a 1 % target by
 * several percent at a few hundred requests (its standard deviation is √n).
 */
import { seededRandom } from "./prompts";

/** Arrivals cap: 10 M timestamps (80 MB); a longer or faster run is better split into steps. */
export const MAX_SCHEDULED_ARRIVALS = 10_000_000;

/** Seconds from the start of the run at which each request is sent, ascending. */
export type Schedule = Float64Array;

/** `n` Poisson arrivals on [start, start + seconds), seeded. */
function conditionedPoisson(n: number, seconds: number, random: () => number, start = 0): Float64Array {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = start + random() * seconds;
  return times.sort();
}

/** A constant-rate Poisson schedule: `round(rate × seconds)` arrivals over `seconds`. */
export function poissonSchedule(rate: number, seconds: number, seed = 1): Schedule {
  const n = Math.round(rate * seconds);
  if (n > MAX_SCHEDULED_ARRIVALS) throw new Error(`${n} arrivals (rate × duration) exceeds ${MAX_SCHEDULED_ARRIVALS}: shorten the run or lower the rate`);
  return conditionedPoisson(n, seconds, seededRandom(seed));
}

/** One segment of a rate profile: from `fromRate` to `toRate` (req/s), linearly, over `seconds`. */
export interface RateSegment {
  seconds: number;
  fromRate: number;
  toRate?: number;
}

/**
 * A piecewise-linear rate profile (e.g. the demo's baseline → ramp → overload → recovery), as one schedule. Each
 * segment is cut into 1-second slices of constant rate, each slice conditioned on its rounded count with the
 * fractional parts carried over, so the whole profile sends its integral exactly.
 */
export function profileSchedule(segments: readonly RateSegment[], seed = 1): Schedule {
  const random = seededRandom(seed);
  const parts: Float64Array[] = [];
  let start = 0;
  let carry = 0;
  for (const seg of segments) {
    const to = seg.toRate ?? seg.fromRate;
    for (let t = 0; t < seg.seconds; t += 1) {
      const slice = Math.min(1, seg.seconds - t);
      const mid = (t + slice / 2) / seg.seconds;
      const expected = (seg.fromRate + (to - seg.fromRate) * mid) * slice + carry;
      const n = Math.max(0, Math.round(expected));
      carry = expected - n;
      parts.push(conditionedPoisson(n, slice, random, start + t));
    }
    start += seg.seconds;
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  if (total > MAX_SCHEDULED_ARRIVALS) throw new Error(`${total} arrivals exceeds ${MAX_SCHEDULED_ARRIVALS}`);
  const all = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Offered rate of a profile at `t` seconds (for progress and plots). */
export function profileRateAt(segments: readonly RateSegment[], t: number): number {
  let start = 0;
  for (const seg of segments) {
    if (t < start + seg.seconds) return seg.fromRate + ((seg.toRate ?? seg.fromRate) - seg.fromRate) * ((t - start) / seg.seconds);
    start += seg.seconds;
  }
  return 0;
}
