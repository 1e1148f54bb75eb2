/**
 * The nearest-rank percentile of a histogram of whole values: the smallest value `v` such that
 * at least `p` of all observations are ≤ `v` (rank `ceil(p × n)`, at least 1). Works on any
 * order of buckets and merges repeated values. `null` when the histogram is empty. Pure.
 * @throws RangeError when `p` is not in (0, 1] or a count is negative or fractional.
 */
export function percentileOfHistogram(buckets: Iterable<readonly [value: number, count: number]>, p: number): number | null {
  if (!(p > 0 && p <= 1)) throw new RangeError(`百分位须在 (0, 1] 内 percentile must be in (0, 1], got ${p}`);
  const merged = new Map<number, number>();
  for (const [value, count] of buckets) {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`计数无效 invalid count ${count} for value ${value}`);
    merged.set(value, (merged.get(value) ?? 0) + count);
  }
  let total = 0;
  for (const count of merged.values()) total += count;
  if (total === 0) return null;
  // p in millionths keeps the product exact: 0.9 × 30 in floating point is 27.000000000000004.
  const rank = Math.max(1, Math.ceil((Math.round(p * 1e6) * total) / 1e6));
  let seen = 0;
  for (const value of [...merged.keys()].sort((a, b) => a - b)) {
    seen += merged.get(value) ?? 0;
    if (seen >= rank) return value;
  }
  return null;
}

/** Nearest-rank percentile of plain observations (see `percentileOfHistogram`). Pure. */
export function percentile(values: readonly number[], p: number): number | null {
  return percentileOfHistogram(
    values.map((v) => [v, 1] as const),
    p,
  );
}

/** Sum of `value × count` and of counts, for an average over a histogram. Pure. */
export function histogramTotals(buckets: Iterable<readonly [value: number, count: number]>): { count: number; sum: number } {
  let count = 0;
  let sum = 0;
  for (const [value, n] of buckets) {
    count += n;
    sum += value * n;
  }
  return { count, sum };
}

/** `numerator / denominator`, or `null` when the denominator is 0 (no rate rather than a fake 0 % or 100 %). Pure. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}
