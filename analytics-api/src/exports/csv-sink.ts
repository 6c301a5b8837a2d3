import { join } from 'node:path';
import type { Row } from './columns.js';
import { CsvEncoder } from './csv-encoder.js';
import { HashedFile } from './hashed-file.js';
import type { TableSink, WrittenFile } from './table-sink.js';
import type { TableSpec } from './tables.js';

// A UTF-8 byte order mark: Excel and Power BI's CSV connector then read the file as UTF-8 instead
// of guessing a Windows code page.
const UTF8_BOM = '\uFEFF';

/** What every export CSV starts with: the byte order mark and the header line. */
export function csvPreamble(encoder: CsvEncoder): Buffer {
  return Buffer.from(UTF8_BOM + encoder.header(), 'utf8');
}

/** `<base>.csv` (base: the table's name, or `<table>/<month>`): each batch is encoded and written as it arrives. */
export async function openCsvSink(table: TableSpec, folder: string, base = table.name): Promise<TableSink> {
  const name = `${base}.csv`;
  const file = await HashedFile.create(join(folder, name));
  const encoder = new CsvEncoder(table.columns);
  let rows = 0;
  try {
    await file.write(csvPreamble(encoder));
  } catch (error) {
    await file.abort();
    throw error;
  }
  return {
    async write(batch: readonly Row[]) {
      await file.write(encoder.encodeBytes(batch));
      rows += batch.length;
    },
    async finish(): Promise<WrittenFile> {
      return { table: table.name, name, format: 'csv', rows, ...(await file.close()) };
    },
    abort: () => file.abort(),
  };
}
