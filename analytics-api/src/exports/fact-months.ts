import { createHash } from 'node:crypto';
import { copyFile, link, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db/database.js';
import type { TableContext, TableSpec } from './tables.js';
import type { ManifestFile } from './manifest.js';
import type { FileFormat, WrittenFile } from './table-sink.js';
import { writeCsvMonthsByCopy } from './csv-copy-sink.js';
import { writeTable, type WrittenTable } from './table-writer.js';

/**
 * A fact table written as one file per month (`fact_tickets/2026-01.csv`, …), so that an export
 * rewrites only the months whose rows may have changed and Power BI refreshes only those.
 *
 * Each month file gets a fingerprint: a hash of everything its bytes are made from — the table's
 * query and columns, its parameters (tenant, time zone, the configuration's KPI settings), the
 * version of the file writers, and the month's count and checksum of the stored records
 * (month-state.ts). A file of the previous generation whose fingerprint equals the new one holds
 * the very bytes this export would write, and is carried over by a hard link (no copy; a copy where
 * the file system has no hard links). Everything else is written. A full export (`full`) writes
 * every month; both paths give the same bytes for the same data.
 */

/** Bump when the CSV or Parquet writers change the bytes they write for the same rows. */
export const FACT_FILE_VERSION = 1;

/** A file of the previous generation, as its manifest lists it (column list aside). */
export type PreviousFile = Omit<ManifestFile, 'table' | 'columns'>;

/** The current generation before this export: its folder and its files by name. */
export interface PreviousGeneration {
  dir: string;
  files: ReadonlyMap<string, PreviousFile>;
}

/** `2026-01` → the first day of that month and of the next, as `YYYY-MM-DD`. */
export function monthBounds(month: string): [string, string] {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const next = mon === 12 ? `${year + 1}-01` : `${year}-${String(mon + 1).padStart(2, '0')}`;
  return [`${month}-01`, `${next}-01`];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Carries a file of the previous generation into the staging folder; false when it is gone. */
async function carryOver(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw error;
  }
  await copyFile(from, to);
  return true;
}

/** `2026-01` → `2026-02`. */
function nextMonth(month: string): string {
  return monthBounds(month)[1].slice(0, 7);
}

/** Each month to write, in order, with the formats it needs and what the carried-over files are. */
interface MonthPlan {
  month: string;
  fingerprint: string;
  carried: WrittenFile[];
  toWrite: FileFormat[];
  written: WrittenFile[];
  latestChange: number | null;
}

/**
 * Writes `table` (one with `months`) into `<staging>/<table>/<month>.<format>`, in month order.
 * `onReading` as in writeTable (called by months streamed by COPY). On PostgreSQL, the CSV alone of
 * consecutive months is one COPY cut into month files (csv-copy-sink.ts): a full export of four
 * years is one statement, not 49.
 */
export async function writeFactMonths(input: {
  db: Database;
  table: TableSpec;
  ctx: TableContext;
  staging: string;
  formats: readonly FileFormat[];
  generation: string;
  previous: PreviousGeneration | null;
  onReading?: () => void;
}): Promise<WrittenTable> {
  const { db, table, ctx, staging, formats, generation, previous } = input;
  if (!table.months) throw new Error(`${table.name} is not written by month`);
  const params = await table.params(ctx);
  const inputs = sha256(JSON.stringify([FACT_FILE_VERSION, table.sql, table.columns, params]));
  await mkdir(join(staging, table.name));

  const plans: MonthPlan[] = [];
  for (const { month, records, checksum } of ctx.months.months[table.months.fact]) {
    const plan: MonthPlan = {
      month,
      fingerprint: sha256(JSON.stringify([inputs, month, records, checksum])),
      carried: [],
      toWrite: [],
      written: [],
      latestChange: null,
    };
    for (const format of formats) {
      const name = `${table.name}/${month}.${format}`;
      const old = previous?.files.get(name);
      if (old?.fingerprint === plan.fingerprint && (await carryOver(join(previous!.dir, name), join(staging, name)))) {
        const oldLatest = old.latest_change ? Date.parse(old.latest_change) : null;
        plan.carried.push({
          table: table.name,
          name,
          format,
          rows: old.rows,
          bytes: old.bytes,
          sha256: old.sha256,
          month,
          generation: old.generation ?? generation,
          fingerprint: plan.fingerprint,
          latestChange: oldLatest,
        });
      } else {
        plan.toWrite.push(format);
      }
    }
    plans.push(plan);
  }

  const copy = db.copyCsv;
  if (copy && table.bulk && formats.length === 1 && formats[0] === 'csv') {
    for (const run of consecutiveRuns(plans.filter((plan) => plan.toWrite.length > 0))) {
      const months = run.map((plan) => plan.month);
      const [from] = monthBounds(months[0]!);
      const [, to] = monthBounds(months[months.length - 1]!);
      const written = await writeCsvMonthsByCopy(copy, table, [...params, from, to], staging, months, input.onReading);
      run.forEach((plan, i) => {
        plan.written.push(written[i]!.file);
        plan.latestChange = written[i]!.latestChange;
      });
    }
  } else {
    for (const plan of plans) {
      if (plan.toWrite.length === 0) continue;
      const [from, to] = monthBounds(plan.month);
      const base = `${table.name}/${plan.month}`;
      const written = await writeTable(db, table, ctx, staging, plan.toWrite, input.onReading, base, [...params, from, to]);
      plan.written.push(...written.files);
      plan.latestChange = written.latestChange;
    }
  }

  const files: WrittenFile[] = [];
  let latestChange: number | null = null;
  for (const plan of plans) {
    const monthFiles = [
      ...plan.carried,
      ...plan.written.map((file) => ({
        ...file,
        month: plan.month,
        generation,
        fingerprint: plan.fingerprint,
        latestChange: plan.latestChange,
      })),
    ];
    for (const file of monthFiles) {
      if (file.latestChange !== null && file.latestChange !== undefined && (latestChange === null || file.latestChange > latestChange)) {
        latestChange = file.latestChange;
      }
    }
    // In the order of `formats`, whichever files were carried over.
    files.push(...formats.map((format) => monthFiles.find((file) => file.format === format)!));
  }
  return { files, latestChange };
}

/** The plans split where a month does not follow the one before it. */
function consecutiveRuns(plans: readonly MonthPlan[]): MonthPlan[][] {
  const runs: MonthPlan[][] = [];
  for (const plan of plans) {
    const run = runs[runs.length - 1];
    if (run && nextMonth(run[run.length - 1]!.month) === plan.month) run.push(plan);
    else runs.push([plan]);
  }
  return runs;
}
