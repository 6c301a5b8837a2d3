import type { Row } from './columns.js';

export type FileFormat = 'csv' | 'parquet';

export interface WrittenFile {
  table: string;
  name: string;
  format: FileFormat;
  rows: number;
  bytes: number;
  sha256: string;
}

/** One output file of a table, fed the table's rows batch after batch, in order. */
export interface TableSink {
  write(batch: readonly Row[]): Promise<void>;
  /** Completes the file (flushed, fsynced, closed) and describes it. */
  finish(): Promise<WrittenFile>;
  /** Closes without completing (the staging folder is being discarded). Never throws. */
  abort(): Promise<void>;
}
