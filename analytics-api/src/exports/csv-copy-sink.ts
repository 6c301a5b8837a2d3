import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type { CsvCopySource } from '../db/database.js';
import { CsvEncoder } from './csv-encoder.js';
import { csvPreamble } from './csv-sink.js';
import { HashedFile } from './hashed-file.js';
import { PgCsvTranscoder } from './pg-csv-transcoder.js';
import type { WrittenFile } from './table-sink.js';
import type { TableSpec } from './tables.js';

/** Output is written in pieces of about this size: a few hundred writes for a million rows. */
const WRITE_BYTES = 1 << 20;
/** Input transcoded between two turns of the event loop: well under a millisecond of work. */
const SLICE_BYTES = 64 << 10;

/**
 * `<base>.csv` (as openCsvSink) written from PostgreSQL's own CSV output of the table's query (COPY … TO STDOUT),
 * rewritten on the fly into the export's CSV (pg-csv-transcoder.ts): the same file the cursor path
 * writes, without decoding each cell into a JS value and encoding it again. `onReading` is called
 * once the statement is running (its first bytes arrived, or it ended): its snapshot is taken.
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
    for await (const chunk of copy(table.sql, params)) {
      onReading();
      // PostgreSQL stalls as soon as the socket's buffer is full, and the socket is only read
      // between turns of the event loop, while a chunk can hold the stream's whole read buffer.
      // Each chunk is therefore transcoded in slices with a turn in between: the database keeps
      // producing while this process transcodes, instead of the two taking turns.
      for (let offset = 0; offset < chunk.length;) {
        offset = transcoder.push(chunk, offset, SLICE_BYTES);
        if (transcoder.pending >= WRITE_BYTES) await file.write(transcoder.take());
        else await setImmediate();
      }
    }
    onReading();
    transcoder.end();
    await file.write(transcoder.take());
    const written: WrittenFile = { table: table.name, name, format: 'csv', rows: transcoder.rows, ...(await file.close()) };
    return { file: written, latestChange: transcoder.latest };
  } finally {
    await file.abort();
  }
}
