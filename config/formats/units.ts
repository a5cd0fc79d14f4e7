/**
 * Durations and sizes as the tools that read them parse them, with the numbers bounded before they reach a flag
 * that would overflow (`retention: 99999999999999999999d` fails Prometheus at start with "out of range").
 */

/**
 * Prometheus durations, one number and one unit (prometheus/common model.ParseDuration units: y = 365d, w = 7d).
 * Prometheus holds durations as int64 nanoseconds, so anything beyond ~292 years is out of range there.
 */
const PROM_DURATION = /^([1-9]\d{0,14})(ms|s|m|h|d|w|y)$/;
const MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
export const PROM_MAX_DURATION_MS = Math.floor(Number(2n ** 63n - 1n) / 1e6);

/** Milliseconds of a Prometheus duration, or undefined when it is not one or out of Prometheus' range. */
export function promDurationMs(value: string): number | undefined {
  const m = PROM_DURATION.exec(value);
  if (!m) return undefined;
  const ms = Number(m[1]) * MS[m[2]];
  return ms <= PROM_MAX_DURATION_MS ? ms : undefined;
}

/**
 * Prometheus `--storage.tsdb.retention.size`: a `units.Base2Bytes` flag (alecthomas/units ParseBase2Bytes), so
 * `KB`, `MB`, `GB`, ... are powers of 1024.
 */
const PROM_SIZE = /^([1-9]\d{0,14})(B|KB|MB|GB|TB|PB)$/;
const BASE2: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, PB: 2 ** 50 };

export function promSizeBytes(value: string): number | undefined {
  const m = PROM_SIZE.exec(value);
  return m ? Number(m[1]) * BASE2[m[2]] : undefined;
}

/** Kubernetes quantities with binary suffixes (resource.Quantity: Mi, Gi, Ti), the form volume sizes are given in. */
const KUBE_SIZE = /^([1-9]\d{0,14})(Mi|Gi|Ti)$/;
const BINARY: Record<string, number> = { Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

export function kubeSizeBytes(value: string): number | undefined {
  const m = KUBE_SIZE.exec(value);
  return m ? Number(m[1]) * BINARY[m[2]] : undefined;
}

export const GiB = 2 ** 30;
export const TiB = 2 ** 40;
