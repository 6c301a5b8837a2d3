import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type { CsvCopySource } from '../db/database.js';
import { CsvEncoder } from './csv-encoder.js';
import { csvPreamble } from './csv-sink.js';
import { HashedFile } from './hashed-file.js';
import { PgCsvTranscoder, type MonthCut } from './pg-csv-transcoder.js';
import type { WrittenFile } from './table-sink.js';
import type { TableSpec } from './tables.js';

/** Output is written in pieces of about this size: a few hundred writes for a million rows. */
const WRITE_BYTES = 1 << 20;
/** Input transcoded between two turns of the event loop: well under a millisecond of work. */
const SLICE_BYTES = 64 << 10;

/**
 * Streams `COPY (<table's query>) TO STDOUT` through `transcoder`, handing its output to `write` in
 * pieces. `onReading` is called once the statement is running (its first bytes arrived, or it
 * ended): its snapshot is taken.
 */
async function transcodeCopy(
  copy: CsvCopySource,
  sql: string,
  params: readonly unknown[],
  transcoder: PgCsvTranscoder,
  onReading: () => void,
  write: (bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  for await (const chunk of copy(sql, params)) {
    onReading();
    // PostgreSQL stalls as soon as the socket's buffer is full, and the socket is only read
    // between turns of the event loop, while a chunk can hold the stream's whole read buffer.
    // Each chunk is therefore transcoded in slices with a turn in between: the database keeps
    // producing while this process transcodes, instead of the two taking turns.
    for (let offset = 0; offset < chunk.length;) {
      offset = transcoder.push(chunk, offset, SLICE_BYTES);
      if (transcoder.pending >= WRITE_BYTES) await write(transcoder.take());
      else await setImmediate();
    }
  }
  onReading();
  transcoder.end();
  await write(transcoder.take());
}

/**
 * `<base>.csv` (as openCsvSink) written from PostgreSQL's own CSV output of the table's query (COPY … TO STDOUT),
 * rewritten on the fly into the export's CSV (pg-csv-transcoder.ts): the same file the cursor path
 * writes, without decoding each cell into a JS value and encoding it again.
 */
export async function writeCsvByCopy(
  copy: CsvCopySource,
  table: TableSpec,
  params: readonly unknown[],
  folder: string,
  onReading: () => void = () => undefined,
  base = table.name,
): Promise<{ file: WrittenFile; latestChange: number | null }> {
  const name = `${base}.csv`;
  const file = await HashedFile.create(join(folder, name));
  try {
    await file.write(csvPreamble(new CsvEncoder(table.columns)));
    const transcoder = new PgCsvTranscoder(table.columns, table.changedAt);
    await transcodeCopy(copy, table.sql, params, transcoder, onReading, (bytes) => file.write(bytes));
    const written: WrittenFile = { table: table.name, name, format: 'csv', rows: transcoder.rows, ...(await file.close()) };
    return { file: written, latestChange: transcoder.latest };
  } finally {
    await file.abort();
  }
}

/** `2026-01` → 202601, the transcoder's month. */
const monthNumber = (month: string): number => Number(month.slice(0, 4)) * 100 + Number(month.slice(5, 7));

/**
 * The month files `<folder>/<table>/<month>.csv` of consecutive `months` (`YYYY-MM`, in order) from
 * one COPY of the fact table's query over all of them ($4 the first day of the first month, $5 of
 * the month after the last), cut where the month of `table.months.dateColumn` changes: the same
 * files as one COPY per month (writeCsvByCopy), without a statement, a connection and a wait for
 * the previous file's fsync per month. A month without rows gets a file with the header alone, as
 * it would from its own COPY. Returns the files in the order of `months`.
 */
export async function writeCsvMonthsByCopy(
  copy: CsvCopySource,
  table: TableSpec,
  params: readonly unknown[],
  folder: string,
  months: readonly string[],
  onReading: () => void = () => undefined,
): Promise<{ file: WrittenFile; latestChange: number | null }[]> {
  if (!table.months) throw new Error(`${table.name} is not written by month`);
  const preamble = csvPreamble(new CsvEncoder(table.columns));
  const transcoder = new PgCsvTranscoder(table.columns, table.changedAt, table.months.dateColumn);
  const results: Promise<{ file: WrittenFile; latestChange: number | null }>[] = [];
  const created: HashedFile[] = [];
  let open: { file: HashedFile; name: string } | undefined;

  const openNext = async (): Promise<void> => {
    const name = `${table.name}/${months[results.length]}.csv`;
    const file = await HashedFile.create(join(folder, name));
    created.push(file);
    await file.write(preamble);
    open = { file, name };
  };
  // The file's fsync runs while the next months are written; awaited at the end.
  const close = ({ rows, latest }: MonthCut['before']): void => {
    const { file, name } = open!;
    open = undefined;
    const result = file
      .close()
      .then((closed) => ({ file: { table: table.name, name, format: 'csv' as const, rows, ...closed }, latestChange: latest }));
    result.catch(() => undefined); // awaited below
    results.push(result);
  };
  const startMonth = async (month: number): Promise<void> => {
    while (results.length < months.length && monthNumber(months[results.length]!) < month) {
      await openNext();
      close({ rows: 0, latest: null });
    }
    if (results.length >= months.length || monthNumber(months[results.length]!) !== month)
      throw new Error(`COPY of ${table.name} gave rows of month ${month}, which is not one of ${months.join(', ')} in order`);
    await openNext();
  };
  const write = async (bytes: Uint8Array): Promise<void> => {
    let from = 0;
    for (const cut of transcoder.takeCuts()) {
      if (cut.at > from) await open!.file.write(bytes.subarray(from, cut.at));
      if (open) close(cut.before);
      await startMonth(cut.month);
      from = cut.at;
    }
    if (bytes.length > from) await open!.file.write(bytes.subarray(from));
  };

  try {
    await transcodeCopy(copy, table.sql, params, transcoder, onReading, write);
    if (open) close({ rows: transcoder.rows, latest: transcoder.latest });
    while (results.length < months.length) {
      await openNext();
      close({ rows: 0, latest: null });
    }
    return await Promise.all(results);
  } finally {
    for (const file of created) await file.abort();
  }
}
