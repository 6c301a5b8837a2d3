import type { Database } from '../db/database.js';
import { writeCsvByCopy } from './csv-copy-sink.js';
import { openCsvSink } from './csv-sink.js';
import { openParquetSink } from './parquet-sink.js';
import { readAhead } from './read-ahead.js';
import type { FileFormat, TableSink, WrittenFile } from './table-sink.js';
import type { TableContext, TableSpec } from './tables.js';

export type { FileFormat, WrittenFile } from './table-sink.js';

/**
 * Rows per FETCH from the server-side cursor. Two batches (one being fetched) are held in memory at
 * a time, whatever the table size.
 */
export const CURSOR_BATCH_ROWS = 2_000;

const OPEN_SINK: Record<FileFormat, (table: TableSpec, folder: string) => Promise<TableSink>> = {
  csv: openCsvSink,
  parquet: openParquetSink,
};

/**
 * Writes one table as `<name>.csv` and/or `<name>.parquet` in `folder`, in one pass over its query.
 *
 * A bulk table written as CSV alone on PostgreSQL streams PostgreSQL's own CSV (csv-copy-sink.ts).
 * Otherwise each batch from a cursor goes to every file's sink. Memory is bounded by two cursor batches
 * plus what the sinks hold (one Parquet row group) whatever the row count; the cursor holds a
 * database connection only while this table is written (one table at a time).
 */
export async function writeTable(
  db: Database,
  table: TableSpec,
  ctx: TableContext,
  folder: string,
  formats: readonly FileFormat[],
): Promise<WrittenFile[]> {
  const params = await table.params(ctx);
  if (db.copyCsv && table.bulk && formats.length === 1 && formats[0] === 'csv') {
    return [await writeCsvByCopy(db.copyCsv, table, params, folder)];
  }
  const sinks: TableSink[] = [];
  try {
    for (const format of formats) sinks.push(await OPEN_SINK[format](table, folder));
    for await (const batch of readAhead(db.cursor(table.sql, params, CURSOR_BATCH_ROWS))) {
      if (table.map) for (const row of batch) table.map(row);
      for (const sink of sinks) await sink.write(batch);
    }
    const written: WrittenFile[] = [];
    for (const sink of sinks) written.push(await sink.finish());
    return written;
  } finally {
    for (const sink of sinks) await sink.abort();
  }
}
