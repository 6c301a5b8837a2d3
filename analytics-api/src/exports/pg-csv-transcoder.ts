import type { ColumnSpec, ColumnType } from './columns.js';
import { civilDate, civilYmd, FIRST_DAY, LAST_DAY } from './iso-format.js';

/**
 * Rewrites PostgreSQL's `COPY (<export query>) TO STDOUT (FORMAT csv)` output into the export's
 * CSV: the same bytes CsvEncoder (csv-encoder.ts) writes for the same rows. It works on the bytes,
 * field by field, without building a JS value per cell (what makes the cursor path slow): text and
 * numbers are copied, and only dates, instants and booleans are rewritten.
 *
 * What PostgreSQL writes, and what changes:
 * - records end with LF → CRLF;
 * - NULL is an empty unquoted field → kept; an empty text is `""` → empty, as CsvEncoder writes it;
 * - text is quoted when it holds `,` `"` CR or LF, quotes doubled: CsvEncoder's rule, so quoted
 *   fields are kept; a text starting like a formula gets the leading `'` (inside the quotes);
 * - integers are the same text; doubles are the same shortest round-trip digits as JavaScript's
 *   (with extra_float_digits = 1, which the COPY transaction sets) except in exponent form,
 *   `NaN`, `Infinity` and `-0`, which go through Number() and CsvEncoder's formatting;
 * - booleans `t` / `f` → `true` / `false`;
 * - dates (days since 1970-01-01) and instants (ms since the epoch) → ISO text (iso-format.ts).
 *
 * Input arrives in arbitrary chunks: a record cut by a chunk boundary is carried to the next one.
 *
 * Split by month (`splitByMonthOf`, a date column): the output of a query ordered by month is cut
 * where the month of that column changes (`cuts`), so that one COPY of several months gives one
 * file per month (csv-copy-sink.ts); `rows` and `latest` then count the current month's records.
 *
 * Why hand-written: no library rewrites one CSV dialect into another without parsing every cell
 * into a JS value, which is what the cursor path (CsvEncoder on pg rows) already does: the CSV
 * export of ~1,000,000 tickets ran at 0.22–0.24× the speed of a bare COPY to a file through the
 * cursor, 0.63–0.74× through this transcoder in interleaved pairs (docs/benchmarks.md, "Export").
 * Kept honest by a
 * byte-for-byte differential test against CsvEncoder: test/exports/pg-csv-transcoder.test.ts (every
 * chunk boundary and slice size) and test/exports/formats.test.ts (the same export through COPY and
 * through the cursor must give files with the same SHA-256).
 */
const enum Kind {
  Text,
  Integer,
  Double,
  Boolean,
  Date,
  Timestamp,
}

const KIND_OF: Record<ColumnType, Kind> = {
  string: Kind.Text,
  int32: Kind.Integer,
  double: Kind.Double,
  boolean: Kind.Boolean,
  date: Kind.Date,
  timestamp: Kind.Timestamp,
};

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const APOSTROPHE = 0x27;
const MINUS = 0x2d;

/**
 * Output room made before each record, and kept free while a text is copied for the fields after
 * it: every non-text field takes at most a few dozen bytes.
 */
const FIXED_FIELDS_ROOM = 4096;
const RECORD_ROOM = 4 * FIXED_FIELDS_ROOM;
const DAY_MS = 86_400_000;
const ASCII_ZERO = 0x30;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** `=`, `+`, `-`, `@`, tab, CR, or their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20 in UTF-8). */
function startsLikeFormula(bytes: Uint8Array, start: number, end: number): boolean {
  if (start >= end) return false;
  const first = bytes[start]!;
  if (first === 0x3d || first === 0x2b || first === MINUS || first === 0x40 || first === 0x09 || first === CR) return true;
  if (first !== 0xef || end - start < 3 || bytes[start + 1] !== 0xbc) return false;
  const third = bytes[start + 2]!;
  return third === 0x9d || third === 0x8b || third === 0x8d || third === 0xa0;
}

/** True when PostgreSQL's float8 text is not JavaScript's: exponent form, NaN, ±Infinity, -0. */
function needsNumberRewrite(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) {
    const byte = bytes[i]!;
    if (byte === 0x65 /* e */ || byte === 0x4e /* N */ || byte === 0x49 /* I */) return true;
  }
  return end - start === 2 && bytes[start] === MINUS && bytes[start + 1] === 0x30;
}

/** Where the output of another month starts, and the counts of the month before it. */
export interface MonthCut {
  /** Offset in the bytes take() returned. */
  at: number;
  /** The month starting there, as `YYYYMM`. */
  month: number;
  /** `rows` and `latest` of the month that ends there (of nothing: 0 and null, at the first cut). */
  before: { rows: number; latest: number | null };
}

function dateColumn(
  columns: readonly ColumnSpec[],
  kinds: readonly Kind[],
  option: string,
  name: string | undefined,
  timestampToo: boolean,
): number {
  if (name === undefined) return -1;
  const index = columns.findIndex((column) => column.name === name);
  const kind = kinds[index];
  if (index < 0 || (kind !== Kind.Date && !(timestampToo && kind === Kind.Timestamp)))
    throw new Error(`${option}: ${name} is not a date${timestampToo ? ' or timestamp' : ''} column`);
  return index;
}

export class PgCsvTranscoder {
  private readonly kinds: Kind[];
  private carry: Buffer | undefined;
  private out = Buffer.allocUnsafe(1 << 20);
  private length = 0;
  private memoDays = Number.NaN;
  private memoYmd = 0;
  private readonly latestColumn: number;
  private readonly splitColumn: number;
  /** The record being transcoded: its value of the `latestOf` column (null when empty) and its month. */
  private recordLatest: number | null = null;
  private recordMonth = 0;
  /** The month (`YYYYMM`) of the records being counted, 0 before the first (split by month only). */
  private month = 0;
  private cutsTaken: MonthCut[] = [];
  /** Records transcoded so far (of the current month when split by month). */
  rows = 0;
  /** The greatest value seen in the `latestOf` column (ms or days), null before any (of the current month when split). */
  latest: number | null = null;

  /**
   * `latestOf`: the name of a timestamp or date column whose greatest value `latest` keeps.
   * `splitByMonthOf`: the name of a date column (never empty) whose month changes only between
   * months, in order: each change is a cut of the output.
   */
  constructor(columns: readonly ColumnSpec[], latestOf?: string, splitByMonthOf?: string) {
    this.kinds = columns.map((column) => KIND_OF[column.type]);
    this.latestColumn = dateColumn(columns, this.kinds, 'latestOf', latestOf, true);
    this.splitColumn = dateColumn(columns, this.kinds, 'splitByMonthOf', splitByMonthOf, false);
  }

  /**
   * Transcodes the complete records of `chunk` from `offset` (after what was carried from the
   * previous chunk) into the pending output, which take() hands over; output accumulates across
   * calls so that the file gets few large writes. Stops at the first record boundary after `budget`
   * bytes of input and returns where it stopped, so that a caller can do other work between slices
   * of a large chunk; once the chunk's end is reached, its incomplete last record is carried to the
   * next chunk and chunk.length is returned.
   */
  push(chunk: Uint8Array, offset = 0, budget = Number.POSITIVE_INFINITY): number {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    // The carried record is completed from the start of this chunk: input offsets are shifted by it.
    const carried = this.carry?.length ?? 0;
    const input = this.carry ? Buffer.concat([this.carry, bytes.subarray(offset)]) : bytes;
    const base = this.carry ? offset - carried : 0;
    this.carry = undefined;
    let start = carried === 0 ? offset : 0;
    const stop = start + budget;
    for (;;) {
      const outStart = this.length;
      const next = this.record(input, start);
      if (next < 0) break;
      start = next;
      if (this.recordMonth !== this.month) this.cut(outStart);
      this.rows += 1;
      if (this.recordLatest !== null && (this.latest === null || this.recordLatest > this.latest)) this.latest = this.recordLatest;
      if (start >= stop && start < input.length) return base + start;
    }
    if (start < input.length) this.carry = Buffer.from(input.subarray(start));
    return bytes.length;
  }

  /** Bytes of output not taken yet. */
  get pending(): number {
    return this.length;
  }

  /**
   * The pending output; valid until the next push(). Split by month: with the cuts made in it since
   * the last take(), in order (their `at` are offsets in the bytes returned).
   */
  take(): Uint8Array {
    const bytes = this.out.subarray(0, this.length);
    this.length = 0;
    return bytes;
  }

  /** The cuts of the output returned by the last take() (split by month); call after it. */
  takeCuts(): MonthCut[] {
    const cuts = this.cutsTaken;
    this.cutsTaken = [];
    return cuts;
  }

  /** A record of another month starts at `at` of the pending output: the months so far are closed. */
  private cut(at: number): void {
    if (this.recordMonth < this.month) throw new Error(`COPY output is not ordered by month: ${this.recordMonth} after ${this.month}`);
    this.cutsTaken.push({ at, month: this.recordMonth, before: { rows: this.rows, latest: this.latest } });
    this.month = this.recordMonth;
    this.rows = 0;
    this.latest = null;
  }

  /** Throws when the input ended inside a record (the COPY stream was cut short). */
  end(): void {
    if (this.carry && this.carry.length > 0) throw new Error(`COPY output ended inside a record (${this.carry.length} bytes left)`);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.length + bytes));
    this.out.copy(grown, 0, 0, this.length);
    this.out = grown;
  }

  private writeAscii(text: string): void {
    this.length += this.out.write(text, this.length, 'latin1');
  }

  /**
   * Transcodes the record starting at `start`; returns where the next one starts, or -1 when the
   * record is incomplete (its output is then taken back, and it is carried).
   */
  private record(input: Buffer, start: number): number {
    const { kinds } = this;
    const outStart = this.length;
    const end = input.length;
    const lastColumn = kinds.length - 1;
    this.recordLatest = null;
    // Room for every fixed-size field of the record; texts check the room as they copy.
    this.reserve(RECORD_ROOM);
    let i = start;
    for (let c = 0; c <= lastColumn; c += 1) {
      const kind = kinds[c]!;
      if (i < end && input[i] === QUOTE) {
        // A quoted field (texts with a delimiter, a quote or a line break): find its end, then rewrite.
        const from = i;
        i += 1;
        for (;;) {
          while (i < end && input[i] !== QUOTE) i += 1;
          if (i + 1 >= end) {
            this.length = outStart;
            return -1;
          }
          if (input[i + 1] !== QUOTE) break;
          i += 2; // a doubled quote inside the field
        }
        i += 1; // past the closing quote
        if (i >= end) {
          this.length = outStart;
          return -1;
        }
        this.quotedText(c, input, from, i);
      } else if (kind === Kind.Date || kind === Kind.Timestamp) {
        // Digits are read as they are scanned: one pass.
        const from = i;
        const negative = i < end && input[i] === MINUS;
        if (negative) i += 1;
        let value = 0;
        let byte = 0;
        while (i < end && (byte = input[i]!) !== COMMA && byte !== LF) {
          value = value * 10 + (byte - ASCII_ZERO);
          i += 1;
        }
        if (i >= end) {
          this.length = outStart;
          return -1;
        }
        if (i > from) {
          if (negative) value = -value;
          if (kind === Kind.Date) this.writeDate(value);
          else this.writeInstant(value);
          // Counted once the record is complete (push): a record carried to the next chunk is read again.
          if (c === this.latestColumn) this.recordLatest = value;
          if (c === this.splitColumn) this.recordMonth = ((value === this.memoDays ? this.memoYmd : civilYmd(value)) / 100) | 0;
        } else if (c === this.splitColumn) {
          throw new Error(`COPY output has a record without a date in column ${c + 1}, which splits the months`);
        }
      } else if (kind === Kind.Boolean) {
        const from = i;
        while (i < end && input[i] !== COMMA && input[i] !== LF) i += 1;
        if (i >= end) {
          this.length = outStart;
          return -1;
        }
        if (i > from) this.copy(input[from] === 0x74 /* t */ ? TRUE : FALSE, 0, input[from] === 0x74 ? 4 : 5);
      } else {
        // Unquoted text or number: copied as it is scanned (one pass), the text after its formula check.
        const fieldStart = this.length;
        if (kind === Kind.Text && startsLikeFormula(input, i, end)) this.out[this.length++] = APOSTROPHE;
        let out = this.out;
        let length = this.length;
        let room = out.length - FIXED_FIELDS_ROOM;
        let byte = 0;
        while (i < end && (byte = input[i]!) !== COMMA && byte !== LF) {
          if (length >= room) {
            this.length = length;
            this.reserve(RECORD_ROOM);
            out = this.out;
            room = out.length - FIXED_FIELDS_ROOM;
          }
          out[length++] = byte;
          i += 1;
        }
        this.length = length;
        if (i >= end) {
          this.length = outStart;
          return -1;
        }
        if (kind === Kind.Double && needsNumberRewrite(out, fieldStart, length)) {
          const value = Number(out.toString('latin1', fieldStart, length));
          this.length = fieldStart;
          if (Number.isFinite(value)) this.writeAscii(value === 0 ? '0' : String(value));
        }
      }
      if (i >= end) {
        this.length = outStart;
        return -1;
      }
      const delimiter = input[i]!;
      if ((delimiter === LF) !== (c === lastColumn)) throw new Error(`COPY output has a record without ${kinds.length} fields`);
      i += 1;
      if (c === lastColumn) {
        this.out[this.length++] = CR;
        this.out[this.length++] = LF;
      } else {
        this.out[this.length++] = COMMA;
      }
    }
    return i;
  }

  /**
   * A quoted field [from, to), quotes included. PostgreSQL only quotes text (a delimiter, a quote or
   * a line break inside, or the empty text), never a number, boolean, date or instant.
   */
  private quotedText(c: number, input: Buffer, from: number, to: number): void {
    if (this.kinds[c] !== Kind.Text) throw new Error(`COPY output quotes column ${c + 1}, which is not text`);
    this.reserve(to - from + 1);
    const out = this.out;
    const contentStart = from + 1;
    const contentEnd = to - 1;
    if (contentStart === contentEnd) return; // "" = the empty text, written as an empty field
    if (contentEnd - contentStart === 2 && input[contentStart] === 0x5c && input[contentStart + 1] === 0x2e) {
      // `\.` alone is quoted by PostgreSQL (an end-of-data marker otherwise); CsvEncoder does not quote it.
      out[this.length++] = 0x5c;
      out[this.length++] = 0x2e;
      return;
    }
    out[this.length++] = QUOTE;
    if (startsLikeFormula(input, contentStart, contentEnd)) out[this.length++] = APOSTROPHE;
    this.copy(input, contentStart, contentEnd);
    out[this.length++] = QUOTE;
  }

  /** Fields are short: a loop beats creating a subarray view per field for TypedArray#set. */
  private copy(input: Buffer, from: number, to: number): void {
    const out = this.out;
    let length = this.length;
    for (let i = from; i < to; i += 1) out[length++] = input[i]!;
    this.length = length;
  }

  /** 'YYYY-MM-DD' of a count of days since 1970-01-01, written as bytes; years outside 0001..9999 through Date. */
  private writeDate(days: number): void {
    if (days < FIRST_DAY || days > LAST_DAY) {
      this.writeAscii(civilDate(days));
      return;
    }
    // Consecutive rows often share a day: the civil date is computed again only when it changes.
    if (days !== this.memoDays) {
      this.memoDays = days;
      this.memoYmd = civilYmd(days) | 0;
    }
    // Integer arithmetic throughout (`| 0`): V8 then stores small integers, not doubles, into the bytes.
    const ymd = this.memoYmd;
    const year = (ymd / 10_000) | 0;
    const month = ((ymd / 100) | 0) % 100;
    const day = ymd % 100;
    const out = this.out;
    let length = this.length;
    out[length++] = ASCII_ZERO + ((year / 1000) | 0);
    out[length++] = ASCII_ZERO + (((year / 100) | 0) % 10);
    out[length++] = ASCII_ZERO + (((year / 10) | 0) % 10);
    out[length++] = ASCII_ZERO + (year % 10);
    out[length++] = MINUS;
    out[length++] = ASCII_ZERO + ((month / 10) | 0);
    out[length++] = ASCII_ZERO + (month % 10);
    out[length++] = MINUS;
    out[length++] = ASCII_ZERO + ((day / 10) | 0);
    out[length++] = ASCII_ZERO + (day % 10);
    this.length = length;
  }

  /** 'YYYY-MM-DDTHH:MM:SS.sssZ' (UTC), exactly what Date#toISOString prints, written as bytes. */
  private writeInstant(ms: number): void {
    const days = Math.floor(ms / DAY_MS);
    if (days < FIRST_DAY || days > LAST_DAY) {
      this.writeAscii(new Date(ms).toISOString());
      return;
    }
    this.writeDate(days);
    // Below 86,400,000: int32 arithmetic from here on.
    let rest = (ms - days * DAY_MS) | 0;
    const hours = (rest / 3_600_000) | 0;
    rest -= hours * 3_600_000;
    const minutes = (rest / 60_000) | 0;
    rest -= minutes * 60_000;
    const seconds = (rest / 1000) | 0;
    const millis = rest - seconds * 1000;
    const out = this.out;
    let length = this.length;
    out[length++] = 0x54; // T
    out[length++] = ASCII_ZERO + ((hours / 10) | 0);
    out[length++] = ASCII_ZERO + (hours % 10);
    out[length++] = 0x3a; // :
    out[length++] = ASCII_ZERO + ((minutes / 10) | 0);
    out[length++] = ASCII_ZERO + (minutes % 10);
    out[length++] = 0x3a;
    out[length++] = ASCII_ZERO + ((seconds / 10) | 0);
    out[length++] = ASCII_ZERO + (seconds % 10);
    out[length++] = 0x2e; // .
    out[length++] = ASCII_ZERO + ((millis / 100) | 0);
    out[length++] = ASCII_ZERO + (((millis / 10) | 0) % 10);
    out[length++] = ASCII_ZERO + (millis % 10);
    out[length++] = 0x5a; // Z
    this.length = length;
  }
}
