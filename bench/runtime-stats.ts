/** One measured figure over several runs. */
export interface Series {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** Median, minimum and maximum of the runs (median of an even count: mean of the middle two). Pure. */
export function summarise(runs: number[]): Series {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0, runs };
}

/** `12,345` style integer. */
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
