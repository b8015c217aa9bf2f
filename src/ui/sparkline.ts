/** Sparklines (▁▂▃▄▅▆▇█) for the status view's series. */

const BARS = '▁▂▃▄▅▆▇█';

/** One bar per value, scaled to the largest; all zeros (or nothing) stay on the floor. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) => {
      if (max <= 0 || value <= 0) return BARS[0];
      return BARS[Math.min(BARS.length - 1, Math.ceil((value / max) * (BARS.length - 1)))];
    })
    .join('');
}
