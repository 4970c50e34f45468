/** One figure a benchmark prints, with its target when the issue sets one. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
  note?: string;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function rssMb(): number {
  return process.memoryUsage().rss / 1e6;
}

function fmt(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

/** Prints the summary table at the end of `npm run bench`. */
export function printTable(results: BenchResult[]): void {
  const rows = results.map((r) => [r.name, `${fmt(r.value)} ${r.unit}`, r.target ?? '', r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED', r.note ?? '']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length), ['benchmark', 'value', 'target', ''][i].length));
  const line = (row: string[]) => row.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ');
  console.log(line(['benchmark', 'value', 'target', '', 'note']));
  console.log(line(widths.map((w) => '-'.repeat(w)).concat('----')));
  for (const row of rows) console.log(line(row));
}
