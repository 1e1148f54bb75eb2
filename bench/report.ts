/** Median of a list of figures. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A markdown table of each figure as median with min and max of its runs. */
export function formatReport(title: string, rows: Array<{ name: string; values: number[] }>): string {
  const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
  return [
    `\n## ${title}`,
    '| measure | median | min | max | runs |\n|---|---:|---:|---:|---:|',
    ...rows.map((row) => `| ${row.name} | ${fmt(median(row.values))} | ${fmt(Math.min(...row.values))} | ${fmt(Math.max(...row.values))} | ${row.values.length} |`),
  ].join('\n');
}

/** Prints `formatReport`. */
export function report(title: string, rows: Array<{ name: string; values: number[] }>): void {
  console.log(formatReport(title, rows));
}
