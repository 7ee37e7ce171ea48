/**
 * The one table `npm run bench` prints. Every row puts Parley next to a baseline measured
 * in the same run, because absolute numbers on a shared machine drift by ±30% while a
 * side-by-side ratio holds.
 */

export interface Row {
  /** What is measured, e.g. "Send → render latency, p50". */
  readonly metric: string;
  /** Parley's result, formatted with its unit. */
  readonly parley: string;
  /** The baseline's result, formatted with its unit (and which baseline, when not obvious). */
  readonly baseline: string;
  /** Parley / baseline, e.g. "0.42×", or "—" when there is no meaningful ratio. */
  readonly ratio: string;
  /** The goal, verbatim from the issue. */
  readonly goal: string;
  /** Whether the goal was met; null when it could not be judged (the row crashed). */
  readonly met: boolean | null;
  /** How it was measured, printed as a numbered note under the table. */
  readonly note?: string;
}

/** A row whose measurement crashed: still printed, so the table keeps its shape. */
export const crashedRow = (metric: string, goal: string): Row => ({
  metric,
  parley: 'error',
  baseline: 'error',
  ratio: '—',
  goal,
  met: null,
});

const HEADER = ['Metric', 'Parley', 'Baseline', 'Ratio (Parley/baseline)', 'Goal', 'Met'] as const;

/** Pipes inside cells would split columns. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Rows sharing a note (p50 and p99 of one measurement) share its number. */
export function formatTable(rows: readonly Row[]): string {
  const notes: string[] = [];
  const metricCell = (r: Row): string => {
    if (r.note === undefined) return r.metric;
    let n = notes.indexOf(r.note);
    if (n < 0) n = notes.push(r.note) - 1;
    return `${r.metric} [${n + 1}]`;
  };
  const lines = [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${[metricCell(r), r.parley, r.baseline, r.ratio, r.goal, r.met === null ? '—' : r.met ? 'yes' : 'no'].map(cell).join(' | ')} |`),
  ];
  if (notes.length > 0) lines.push('', ...notes.map((n, i) => `${i + 1}. ${n}`));
  return `${lines.join('\n')}\n`;
}
