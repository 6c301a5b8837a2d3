import { createHash } from 'node:crypto';
import { copyFile, link, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db/database.js';
import type { TableContext, TableSpec } from './tables.js';
import type { ManifestFile } from './manifest.js';
import type { FileFormat, WrittenFile } from './table-sink.js';
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

/**
 * Writes `table` (one with `months`) into `<staging>/<table>/<month>.<format>`, month by month in
 * order. `onReading` as in writeTable (called by a month streamed by COPY).
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
  const months = ctx.months.months[table.months.fact];
  await mkdir(join(staging, table.name));

  const files: WrittenFile[] = [];
  let latestChange: number | null = null;
  for (const { month, records, checksum } of months) {
    const fingerprint = sha256(JSON.stringify([inputs, month, records, checksum]));
    const base = `${table.name}/${month}`;
    const toWrite: FileFormat[] = [];
    const monthFiles: WrittenFile[] = [];
    for (const format of formats) {
      const name = `${base}.${format}`;
      const old = previous?.files.get(name);
      if (old?.fingerprint === fingerprint && (await carryOver(join(previous!.dir, name), join(staging, name)))) {
        const oldLatest = old.latest_change ? Date.parse(old.latest_change) : null;
        monthFiles.push({
          table: table.name,
          name,
          format,
          rows: old.rows,
          bytes: old.bytes,
          sha256: old.sha256,
          month,
          generation: old.generation ?? generation,
          fingerprint,
          latestChange: oldLatest,
        });
      } else {
        toWrite.push(format);
      }
    }
    if (toWrite.length > 0) {
      const [from, to] = monthBounds(month);
      const written = await writeTable(db, table, ctx, staging, toWrite, input.onReading, base, [...params, from, to]);
      for (const file of written.files) monthFiles.push({ ...file, month, generation, fingerprint, latestChange: written.latestChange });
    }
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
