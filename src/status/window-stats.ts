/** Pure arithmetic over samples in a window: sums, rates, percentiles and sparkline buckets. */

/** The value at percentile `p` (0–100) of `values` by nearest rank; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/**
 * Sums `value(sample)` into `buckets` equal slices of [startMs, endMs), oldest first; samples
 * outside the window are left out.
 */
export function bucketed<T extends { at: number }>(
  samples: readonly T[],
  value: (sample: T) => number,
  window: { startMs: number; endMs: number; buckets: number },
): number[] {
  const { startMs, endMs, buckets } = window;
  const out = new Array<number>(buckets).fill(0);
  const width = (endMs - startMs) / buckets;
  if (width <= 0) return out;
  for (const sample of samples) {
    if (sample.at < startMs || sample.at > endMs) continue;
    const index = Math.min(buckets - 1, Math.floor((sample.at - startMs) / width));
    out[index] = (out[index] as number) + value(sample);
  }
  return out;
}

/** Per second, rounded to two decimals. */
export function perSecond(total: number, windowMs: number): number {
  return windowMs <= 0 ? 0 : Math.round((total / (windowMs / 1_000)) * 100) / 100;
}

/**
 * Where bounded sample logs stop telling the whole window: a log that holds `limit` samples may
 * have dropped older ones, so the window is only covered from its oldest sample on. Returns the
 * latest such start, or `startMs` when every log covers the window.
 */
export function coveredFrom(logs: readonly (readonly { at: number }[])[], startMs: number, limit: number): number {
  let from = startMs;
  for (const log of logs) {
    const oldest = log[0];
    if (log.length >= limit && oldest && oldest.at > from) from = oldest.at;
  }
  return from;
}
