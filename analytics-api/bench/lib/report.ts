/**
 * The results: one row per measured path, printed as a table and written as JSON.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { formatNumber } from './common.js';

export type Verdict = 'pass' | 'fail' | 'error' | 'skipped';

export interface Figure {
  value: number;
  unit: string;
  /** What was measured, e.g. "200,000 rows via COPY FROM STDIN". */
  label?: string;
}

export interface ResultRow {
  id: string;
  path: string;
  project: Figure | null;
  reference: Figure | null;
  /** project ÷ reference, or the figure compared with the target when there is no reference. */
  ratio: number | null;
  /** Human form of the target, e.g. "≥ 0.5× COPY". */
  target: string;
  verdict: Verdict;
  notes: string[];
  details?: Record<string, unknown>;
}

export interface Target {
  text: string;
  /** true when the row passes. */
  check: (ratio: number) => boolean;
}

export const atLeast = (x: number, what: string): Target => ({ text: `≥ ${x}× ${what}`, check: (r) => r >= x });
export const atMost = (x: number, what: string): Target => ({ text: `≤ ${x}× ${what}`, check: (r) => r <= x });

export function ratioRow(
  id: string,
  path: string,
  project: Figure,
  reference: Figure,
  target: Target,
  notes: string[] = [],
  details?: Record<string, unknown>,
): ResultRow {
  const ratio = project.value / reference.value;
  return { id, path, project, reference, ratio, target: target.text, verdict: target.check(ratio) ? 'pass' : 'fail', notes, details };
}

/** A row whose figure is compared with an absolute limit (memory). */
export function limitRow(
  id: string,
  path: string,
  project: Figure,
  limit: number,
  notes: string[] = [],
  details?: Record<string, unknown>,
): ResultRow {
  return {
    id,
    path,
    project,
    reference: null,
    ratio: null,
    target: `< ${formatNumber(limit)} ${project.unit}`,
    verdict: project.value < limit ? 'pass' : 'fail',
    notes,
    details,
  };
}

export function errorRow(id: string, path: string, target: string, error: unknown): ResultRow {
  const message = error instanceof Error ? error.message : String(error);
  return {
    id,
    path,
    project: null,
    reference: null,
    ratio: null,
    target,
    verdict: 'error',
    notes: [message.split('\n')[0]!.slice(0, 500)],
  };
}

function figureText(figure: Figure | null): string {
  if (!figure) return '—';
  const digits = figure.value >= 100 ? 0 : figure.value >= 10 ? 1 : 2;
  return `${formatNumber(figure.value, digits)} ${figure.unit}`;
}

function ratioText(row: ResultRow): string {
  return row.ratio === null ? '—' : `${row.ratio >= 100 ? formatNumber(row.ratio, 0) : row.ratio.toFixed(2)}×`;
}

export function renderTable(rows: ResultRow[]): string {
  const header = ['path', 'project', 'reference', 'ratio', 'target', 'result'];
  const body = rows.map((row) => [
    row.path,
    figureText(row.project),
    figureText(row.reference),
    ratioText(row),
    row.target,
    row.verdict.toUpperCase(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

export function renderNotes(rows: ResultRow[]): string {
  return rows
    .filter((row) => row.notes.length > 0)
    .map((row) => `- ${row.path}: ${row.notes.join('; ')}`)
    .join('\n');
}

export interface Machine {
  nproc: number;
  memory_gb: number;
  cpu_model: string;
  node: string;
  postgres: string;
  platform: string;
}

export function machineInfo(postgres: string): Machine {
  const cpu = cpus()[0]?.model ?? 'unknown';
  return {
    nproc: cpus().length,
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    cpu_model: cpu.trim(),
    node: process.version,
    postgres,
    platform: `${process.platform} ${process.arch}`,
  };
}

export interface RunReport {
  started_at: string;
  finished_at: string;
  duration_s: number;
  mode: 'quick' | 'full';
  command: string;
  machine: Machine;
  sizes: Record<string, number>;
  rows: ResultRow[];
}

export function writeJson(file: string, report: RunReport): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
