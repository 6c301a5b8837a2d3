import type { ColumnSpec, ColumnType, Row } from './columns.js';
import { createIsoFormatter, type IsoFormatter } from './iso-format.js';

/**
 * CSV text for a batch of rows, with a fixed column list:
 * - RFC 4180: `,` separator, CRLF line ends, a field holding `"`, `,`, CR or LF is quoted and its
 *   quotes doubled; NULL is an empty field;
 * - dates `YYYY-MM-DD`, instants `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC), numbers with `.` decimals,
 *   booleans `true` / `false`;
 * - formula injection: a TEXT cell that starts with `=`, `+`, `-`, `@`, tab or CR (or their
 *   full-width forms) gets a leading `'`, so Excel or Power BI never evaluates it; numbers, dates and
 *   booleans are never touched, so -2 stays the number -2.
 *
 * These are the rules of csv-stringify with `escape_formulas: true`, `record_delimiter: '\r\n'` and
 * a boolean cast to true/false (test/exports/csv-encoder.test.ts checks that both give the same
 * bytes). csv-stringify itself is not used on this path: it allocates several arrays per field and
 * wrote about 5× fewer rows per second than this loop on the 1,000,000-row export, far below the
 * export's throughput target, and with CRLF record ends it left a field holding a bare CR or LF
 * unquoted (README, "Library choices"). csv-stringify stays a test dependency: the differential
 * test above is what keeps this encoder honest.
 */
const NEEDS_QUOTES = /[",\r\n]/;
const QUOTES = /"/g;

function isFormulaStart(code: number): boolean {
  return (
    code === 61 /* = */ ||
    code === 43 /* + */ ||
    code === 45 /* - */ ||
    code === 64 /* @ */ ||
    code === 9 /* tab */ ||
    code === 13 /* CR */ ||
    code === 0xff1d /* ＝ */ ||
    code === 0xff0b /* ＋ */ ||
    code === 0xff0d /* － */ ||
    code === 0xff20 /* ＠ */
  );
}

/** One text cell: formula-escaped, then quoted when RFC 4180 requires it. */
export function csvText(value: string): string {
  let text = value;
  if (text.length > 0 && isFormulaStart(text.charCodeAt(0))) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTES, '""')}"` : text;
}

function csvNumber(value: number): string {
  if (!Number.isFinite(value)) return '';
  return value === 0 ? '0' : String(value);
}

const enum Kind {
  Text,
  Number,
  Boolean,
  Date,
  Timestamp,
}

const KIND_OF: Record<ColumnType, Kind> = {
  string: Kind.Text,
  int32: Kind.Number,
  double: Kind.Number,
  boolean: Kind.Boolean,
  date: Kind.Date,
  timestamp: Kind.Timestamp,
};

export class CsvEncoder {
  private readonly names: string[];
  private readonly kinds: Kind[];
  private readonly formatters: IsoFormatter[];

  constructor(columns: readonly ColumnSpec[]) {
    this.names = columns.map((column) => column.name);
    this.kinds = columns.map((column) => KIND_OF[column.type]);
    this.formatters = columns.map(() => createIsoFormatter());
  }

  /** The header line (column names are plain identifiers, never quoted or escaped). */
  header(): string {
    return `${this.names.map(csvText).join(',')}\r\n`;
  }

  /** One row as a CSV line ending with CRLF. */
  line(row: Row): string {
    const { names, kinds, formatters } = this;
    let line = '';
    for (let c = 0; c < names.length; c += 1) {
      if (c > 0) line += ',';
      const value = row[names[c]!];
      if (value === null || value === undefined) continue;
      switch (kinds[c]) {
        case Kind.Text:
          line += csvText(typeof value === 'string' ? value : String(value));
          break;
        case Kind.Number:
          line += csvNumber(value as number);
          break;
        case Kind.Boolean:
          line += value ? 'true' : 'false';
          break;
        case Kind.Date:
          line += formatters[c]!.date(value as number);
          break;
        case Kind.Timestamp:
          line += formatters[c]!.timestamp(value as number);
          break;
      }
    }
    return `${line}\r\n`;
  }

  /** The lines of a batch of rows. */
  encode(rows: readonly Row[]): string {
    return rows.map((row) => this.line(row)).join('');
  }

  /**
   * The lines of a batch of rows as UTF-8 bytes, in a buffer reused from batch to batch: each line
   * is written as soon as it is built, so no batch-sized string is ever built and flattened.
   * The returned view is valid until the next call.
   */
  encodeBytes(rows: readonly Row[]): Uint8Array {
    let length = 0;
    for (let r = 0; r < rows.length; r += 1) {
      const line = this.line(rows[r]!);
      if (length + line.length * 3 > this.bytes.length) {
        const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, length + line.length * 3));
        this.bytes.copy(grown, 0, 0, length);
        this.bytes = grown;
      }
      length += this.bytes.write(line, length, 'utf8');
    }
    return this.bytes.subarray(0, length);
  }

  private bytes = Buffer.allocUnsafe(1 << 20);
}
