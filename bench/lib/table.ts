/** One line of the results table. Figures are medians of the runs; ratio is cvat-rx ÷ baseline. */
export interface Row {
  readonly section: string;
  readonly name: string;
  readonly cvatRx: string;
  readonly baseline: string;
  readonly ratio: number | null;
  readonly goal: string;
  /** null: the row is informational, or its baseline was skipped. */
  readonly met: boolean | null;
  readonly runs: number;
  readonly note?: string;
}

const fmtRatio = (r: number | null): string => (r === null || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}×`);
const fmtMet = (m: boolean | null): string => (m === null ? '·' : m ? 'yes' : 'NO');

/** A GitHub-flavoured Markdown table: readable in a terminal and pasteable into bench/README.md. */
export function renderTable(rows: readonly Row[]): string {
  const header = ['Benchmark', 'cvat-rx', 'Baseline', 'Ratio', 'Goal', 'Met', 'Runs'];
  const body = rows.map((r) => [
    `${r.section}: ${r.name}`,
    r.cvatRx,
    r.baseline,
    fmtRatio(r.ratio),
    r.goal,
    fmtMet(r.met),
    String(r.runs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
export const mibps = (bytes: number, ms: number): number => bytes / 2 ** 20 / (ms / 1000);
export const fmtMibps = (v: number): string => `${v.toFixed(0)} MiB/s`;
export const fmtMs = (ms: number): string =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 3 : 1)} ms`;
export const fmtUs = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;
