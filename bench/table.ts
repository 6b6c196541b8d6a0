// The shape every benchmark returns, and the one table they are printed in.

/** One line of the table: our figure, the baseline's figure from the same run, and how they compare. */
export interface BenchRow {
  name: string;
  figure: string;
  baseline?: string;
  /** figure relative to the baseline, oriented so that 1.00 means "as good as the baseline" and more is better. */
  ratio?: string;
  target?: string;
  note?: string;
}

const columns: { title: string; key: keyof BenchRow }[] = [
  { title: 'benchmark', key: 'name' },
  { title: 'runyard', key: 'figure' },
  { title: 'baseline', key: 'baseline' },
  { title: 'ratio', key: 'ratio' },
  { title: 'target', key: 'target' },
  { title: 'note', key: 'note' },
];

/** A Markdown table, so that the output can be pasted into docs/benchmarks.md as it is. */
export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((row) => columns.map(({ key }) => (row[key] ?? '').replaceAll('|', '\\|')));
  const widths = columns.map(({ title }, index) =>
    Math.max(title.length, 3, ...cells.map((line) => line[index]!.length)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, index) => value.padEnd(widths[index]!)).join(' | ')} |`;
  return [
    line(columns.map(({ title }) => title)),
    line(widths.map((width) => '-'.repeat(width))),
    ...cells.map(line),
  ].join('\n');
}

/** Ratio of two figures where more is better (throughput): ours / baseline. */
export const higherIsBetter = (ours: number, baseline: number) => ours / baseline;
/** Ratio of two figures where less is better (latency, memory): baseline / ours. */
export const lowerIsBetter = (ours: number, baseline: number) => baseline / ours;

export const formatRatio = (ratio: number) => ratio.toFixed(2);

/** "met" or "MISSED", for the note of a row with a target. */
export const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

export const formatRate = (perSecond: number, unit: string) =>
  `${perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(1)} ${unit}`;

export const formatMs = (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;

/** Megabytes of 10^6 bytes: the stricter reading of the targets' "MB". */
export const formatMB = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** The middle value: each figure is the median of several interleaved rounds, to tame a noisy machine. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value below which `fraction` of the samples lie (nearest rank). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}
