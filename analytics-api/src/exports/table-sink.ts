import type { Row } from './columns.js';

export type FileFormat = 'csv' | 'parquet';

export interface WrittenFile {
  table: string;
  name: string;
  format: FileFormat;
  rows: number;
  bytes: number;
  sha256: string;
  /** A fact table's month file (fact-months.ts): the month it holds, `YYYY-MM`. */
  month?: string;
  /** A month file: the generation that wrote its bytes (an older one when carried over unchanged). */
  generation?: string;
  /** A month file: what its contents were made from (see fact-months.ts); equal means same bytes. */
  fingerprint?: string;
  /** A month file: the latest `changedAt` of its rows (ms since the epoch), null without rows. */
  latestChange?: number | null;
}

/** One output file of a table, fed the table's rows batch after batch, in order. */
export interface TableSink {
  write(batch: readonly Row[]): Promise<void>;
  /** Completes the file (flushed, fsynced, closed) and describes it. */
  finish(): Promise<WrittenFile>;
  /** Closes without completing (the staging folder is being discarded). Never throws. */
  abort(): Promise<void>;
}
