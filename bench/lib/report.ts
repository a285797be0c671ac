import os from 'node:os';

/** One result table of a suite, rendered as Markdown. */
export interface Table {
  title: string;
  /** Lines printed above the table: what was measured and how. */
  notes: string[];
  columns: string[];
  rows: string[][];
  /** Lines printed below the table: targets met or missed, and caveats found in the data. */
  verdicts: string[];
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

export const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');
export const perSecond = (v: number) => (Number.isFinite(v) ? Math.round(v).toString() : '–');
export const percent = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? `${Math.round(v * 100)}%` : '–');
export const times = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? `${v.toFixed(1)}×` : '–');

export function toMarkdown(table: Table): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const lines = [`### ${table.title}`, ''];
  if (table.notes.length > 0) lines.push(...table.notes, '');
  lines.push(`| ${table.columns.map(escape).join(' | ')} |`);
  lines.push(`| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const row of table.rows) lines.push(`| ${row.map(escape).join(' | ')} |`);
  if (table.verdicts.length > 0) lines.push('', ...table.verdicts.map((v) => `- ${v}`));
  return lines.join('\n') + '\n';
}

/** Progress goes to stderr so that stdout is only the report. */
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
