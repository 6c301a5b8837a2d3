import type { Database } from '../db/database.js';
import { writeCsvByCopy } from './csv-copy-sink.js';
import { openCsvSink } from './csv-sink.js';
import { openParquetSink } from './parquet-sink.js';
import { readAhead } from './read-ahead.js';
import type { Row } from './columns.js';
import type { FileFormat, TableSink, WrittenFile } from './table-sink.js';
import type { TableContext, TableSpec } from './tables.js';

export type { FileFormat, WrittenFile } from './table-sink.js';

export interface WrittenTable {
  files: WrittenFile[];
  /** The latest value of the table's `changedAt` column (ms since the epoch); null without one or without rows. */
  latestChange: number | null;
}

/**
 * Rows per FETCH from the server-side cursor. Two batches (one being fetched) are held in memory at
 * a time, whatever the table size.
 */
export const CURSOR_BATCH_ROWS = 2_000;

const OPEN_SINK: Record<FileFormat, (table: TableSpec, folder: string, base?: string) => Promise<TableSink>> = {
  csv: openCsvSink,
  parquet: openParquetSink,
};

/**
 * Writes one table as `<base>.csv` and/or `<base>.parquet` in `folder`, in one pass over its query
 * (`base` is the table's name, or `<table>/<month>` for a month of a fact table: fact-months.ts).
 *
 * A bulk table written as CSV alone on PostgreSQL streams PostgreSQL's own CSV (csv-copy-sink.ts),
 * with a fixed amount of memory; it calls `onReading` as soon as its statement is running, so that
 * the export can start the next tables while it streams. Otherwise each batch from a cursor goes to
 * every file's sink, and `onReading` is never called (the table counts as being read once written).
 * Memory is then bounded by two cursor batches plus what the sinks hold (one Parquet row group)
 * whatever the row count; the cursor holds a database connection only while this table is written.
 */
export async function writeTable(
  db: Database,
  table: TableSpec,
  ctx: TableContext,
  folder: string,
  formats: readonly FileFormat[],
  onReading?: () => void,
  base = table.name,
  params?: readonly unknown[],
): Promise<WrittenTable> {
  params ??= await table.params(ctx);
  if (db.copyCsv && table.bulk && formats.length === 1 && formats[0] === 'csv') {
    const { file, latestChange } = await writeCsvByCopy(db.copyCsv, table, params, folder, onReading, base);
    return { files: [file], latestChange };
  }
  const sinks: TableSink[] = [];
  try {
    for (const format of formats) sinks.push(await OPEN_SINK[format](table, folder, base));
    let latestChange: number | null = null;
    for await (const batch of readAhead(db.cursor(table.sql, params, CURSOR_BATCH_ROWS))) {
      if (table.changedAt) latestChange = latestOf(batch, table.changedAt, latestChange);
      if (table.map) for (const row of batch) table.map(row);
      for (const sink of sinks) await sink.write(batch);
    }
    const files: WrittenFile[] = [];
    for (const sink of sinks) files.push(await sink.finish());
    return { files, latestChange };
  } finally {
    for (const sink of sinks) await sink.abort();
  }
}

function latestOf(batch: readonly Row[], column: string, latest: number | null): number | null {
  for (const row of batch) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    const ms = Number(value);
    if (latest === null || ms > latest) latest = ms;
  }
  return latest;
}
