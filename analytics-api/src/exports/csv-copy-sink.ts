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

/**
 * `<table>.csv` written from PostgreSQL's own CSV output of the table's query (COPY … TO STDOUT),
 * rewritten on the fly into the export's CSV (pg-csv-transcoder.ts): the same file the cursor path
 * writes, without decoding each cell into a JS value and encoding it again.
 */
export async function writeCsvByCopy(copy: CsvCopySource, table: TableSpec, params: readonly unknown[], folder: string): Promise<WrittenFile> {
  const name = `${table.name}.csv`;
  const file = await HashedFile.create(join(folder, name));
  try {
    await file.write(csvPreamble(new CsvEncoder(table.columns)));
    const transcoder = new PgCsvTranscoder(table.columns);
    for await (const chunk of copy(table.sql, params)) {
      transcoder.push(chunk);
      if (transcoder.pending >= WRITE_BYTES) await file.write(transcoder.take());
      // Chunks already buffered are handed over without a turn of the event loop, and the socket
      // is only read on such a turn: without one, PostgreSQL stalls on a full socket while each
      // chunk is transcoded, and the two take turns instead of working at the same time.
      else await setImmediate();
    }
    transcoder.end();
    await file.write(transcoder.take());
    return { table: table.name, name, format: 'csv', rows: transcoder.rows, ...(await file.close()) };
  } finally {
    await file.abort();
  }
}
