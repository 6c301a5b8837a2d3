import { join } from 'node:path';
import { ParquetWriter, type ColumnSource } from 'hyparquet-writer';
import type { Database } from '../db/database.js';
import type { Row } from './columns.js';
import { CsvEncoder } from './csv-encoder.js';
import { HashedFile, ParquetFileWriter } from './hashed-file.js';
import { parquetColumns, parquetSchema } from './parquet-schema.js';
import type { TableContext, TableSpec } from './tables.js';

/**
 * Rows per FETCH from the server-side cursor, and rows per Parquet row group. Measured on a
 * million-row fact_tickets: small groups keep the values of a group young enough for V8's
 * scavenger, and beat 20,000 / 50,000-row groups by 15–30 % of CPU time and 70–90 MB of peak RSS
 * (about 190 MB for the whole process). Two batches (one being fetched) and one group are held in
 * memory at a time, whatever the table size.
 */
export const CURSOR_BATCH_ROWS = 2_000;
export const PARQUET_ROW_GROUP_ROWS = 10_000;

const UTF8_BOM = '\uFEFF';

export interface WrittenFile {
  table: string;
  name: string;
  format: 'csv' | 'parquet';
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * Iterates `source` one step ahead: the next batch is being fetched (the database works, the
 * socket fills) while the caller encodes the current one. Stopping early waits for the fetch in
 * flight, then closes the source, so a cursor is always released.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined = iterator.next();
  // Handled here, awaited below: a failed fetch while the caller is busy is not an unhandled rejection.
  pending.catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      const result: IteratorResult<T> = await pending;
      pending = undefined;
      if (result.done) {
        finished = true;
        return;
      }
      pending = iterator.next();
      pending.catch(() => undefined);
      yield result.value;
    }
  } catch (error) {
    finished = true; // the source threw: it has already cleaned up
    throw error;
  } finally {
    if (!finished) {
      await pending?.catch(() => undefined);
      await iterator.return?.();
    }
  }
}

/**
 * Writes one table as `<name>.csv` and `<name>.parquet` in `folder`, in one pass over its query.
 * Each batch from the cursor is encoded to CSV and written, and its values are appended to the
 * column arrays of the current Parquet row group, which is encoded and written once full. Memory
 * is bounded by two cursor batches plus one row group whatever the row count; the cursor holds a
 * database connection only while this table is written (one table at a time).
 *
 * Parquet goes through hyparquet-writer's ParquetWriter (what parquetWriteRows wraps) fed with
 * whole columns per row group, rather than parquetWriteRows with an async iterable of rows: the
 * per-row async iteration and transposition cost more than the encoding itself on large tables.
 */
export async function writeTable(db: Database, table: TableSpec, ctx: TableContext, folder: string): Promise<WrittenFile[]> {
  const params = await table.params(ctx);
  const csvFile = await HashedFile.create(join(folder, `${table.name}.csv`));
  let parquetFile: HashedFile | undefined;
  try {
    parquetFile = await HashedFile.create(join(folder, `${table.name}.parquet`));
    const encoder = new CsvEncoder(table.columns);
    // A UTF-8 byte order mark: Excel and Power BI's CSV connector then read the file as UTF-8
    // instead of guessing a Windows code page.
    await csvFile.write(Buffer.from(UTF8_BOM + encoder.header(), 'utf8'));

    const parquet = new ParquetWriter({
      writer: new ParquetFileWriter(parquetFile),
      schema: parquetSchema(table.columns),
      createdBy: 'msp-analytics analytics-api',
    });
    const specs = parquetColumns(table.columns);
    const names = table.columns.map((column) => column.name);
    let group: unknown[][] = names.map(() => []);
    let groupRows = 0;
    const writeGroup = async () => {
      const columnData = specs.map((spec, c): ColumnSource => ({ ...spec, data: group[c] as ColumnSource['data'] }));
      await parquet.write({ columnData, rowGroupSize: groupRows });
      group = names.map(() => []);
      groupRows = 0;
    };

    let rows = 0;
    for await (const batch of readAhead(db.cursor<Row>(table.sql, params, CURSOR_BATCH_ROWS))) {
      if (table.map) for (const row of batch) table.map(row);
      await csvFile.write(encoder.encodeBytes(batch));
      for (let c = 0; c < names.length; c += 1) {
        const name = names[c]!;
        const values = group[c]!;
        for (let r = 0; r < batch.length; r += 1) values.push(batch[r]![name] ?? null);
      }
      groupRows += batch.length;
      rows += batch.length;
      if (groupRows >= PARQUET_ROW_GROUP_ROWS) await writeGroup();
    }
    // The last partial group. An empty table gets a valid file with its typed columns and no group.
    if (groupRows > 0) await writeGroup();
    await parquet.finish();

    const csvDone = await csvFile.close();
    const parquetDone = await parquetFile.close();
    return [
      { table: table.name, name: `${table.name}.csv`, format: 'csv', rows, ...csvDone },
      { table: table.name, name: `${table.name}.parquet`, format: 'parquet', rows, ...parquetDone },
    ];
  } finally {
    await csvFile.abort();
    await parquetFile?.abort();
  }
}
