import { describe, expect, it } from 'vitest';
import { boolean, date, double, int32, string, timestamp } from '../../src/exports/columns.js';
import { CsvEncoder } from '../../src/exports/csv-encoder.js';
import { PgCsvTranscoder } from '../../src/exports/pg-csv-transcoder.js';

const COLUMNS = [string('text'), int32('count'), double('measure'), boolean('flag'), date('day'), timestamp('instant')];

// What PostgreSQL's COPY (FORMAT csv) writes for these rows, and the values CsvEncoder is given for
// them on the cursor path: both must come out as the same bytes.
const CASES: { copy: string; row: Record<string, unknown> }[] = [
  { copy: 'plain,1,0.5,t,0,0\n', row: { text: 'plain', count: 1, measure: 0.5, flag: true, day: 0, instant: 0 } },
  { copy: ',,,,,\n', row: { text: null, count: null, measure: null, flag: null, day: null, instant: null } },
  { copy: '"",0,0,f,-1,-1\n', row: { text: '', count: 0, measure: 0, flag: false, day: -1, instant: -1 } },
  {
    copy: '"a,""b""\nc",-7,-0,t,20477,1769297400123\n',
    row: { text: 'a,"b"\nc', count: -7, measure: -0, flag: true, day: 20477, instant: 1769297400123 },
  },
  {
    copy: '=1+1,2,1e-08,f,-719162,-62135596800000\n',
    row: { text: '=1+1', count: 2, measure: 1e-8, flag: false, day: -719162, instant: -62135596800000 },
  },
  {
    copy: '"-x\r",3,1.6666666666666667e-05,t,2932896,253402300799999\n',
    row: { text: '-x\r', count: 3, measure: 1.6666666666666667e-5, flag: true, day: 2932896, instant: 253402300799999 },
  },
  {
    copy: '＋1,4,1e+21,t,2932897,253402300800000\n',
    row: { text: '＋1', count: 4, measure: 1e21, flag: true, day: 2932897, instant: 253402300800000 },
  },
  {
    copy: '"\\.",5,NaN,f,-719163,-62135596800001\n',
    row: { text: '\\.', count: 5, measure: Number.NaN, flag: false, day: -719163, instant: -62135596800001 },
  },
  {
    copy: '@a ☕ 𝄞,6,Infinity,t,1,86399999\n',
    row: { text: '@a ☕ 𝄞', count: 6, measure: Number.POSITIVE_INFINITY, flag: true, day: 1, instant: 86_399_999 },
  },
  {
    copy: 'x,7,123456789012345.6,f,2,86400000\n',
    row: { text: 'x', count: 7, measure: 123456789012345.6, flag: false, day: 2, instant: 86_400_000 },
  },
];

const input = Buffer.from(CASES.map((c) => c.copy).join(''), 'utf8');
const expected = new CsvEncoder(COLUMNS).encode(CASES.map((c) => c.row));

function transcode(chunks: Buffer[], budget?: number): string {
  const transcoder = new PgCsvTranscoder(COLUMNS);
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length;) {
      const next = transcoder.push(chunk, offset, budget);
      expect(next).toBeGreaterThan(offset);
      offset = next;
    }
    if (chunk.length % 3 === 0) out.push(Buffer.from(transcoder.take()));
  }
  transcoder.end();
  out.push(Buffer.from(transcoder.take()));
  expect(transcoder.rows).toBe(CASES.length);
  return Buffer.concat(out).toString('utf8');
}

describe('PgCsvTranscoder', () => {
  it('writes what CsvEncoder writes for the same values (quoting, formulas, numbers, dates and instants)', () => {
    expect(transcode([input])).toBe(expected);
  });

  it('gives the same bytes whatever the chunk boundaries, also inside quotes and multi-byte characters', () => {
    for (let cut = 1; cut < input.length; cut += 1) {
      expect(transcode([input.subarray(0, cut), input.subarray(cut)]), `cut at ${cut}`).toBe(expected);
    }
    const bytes = [...input].map((byte) => Buffer.from([byte]));
    expect(transcode(bytes)).toBe(expected);
  });

  it('gives the same bytes when a chunk is transcoded in slices (a budget of input bytes per call)', () => {
    for (const budget of [1, 7, 40, 100, 1_000]) {
      expect(transcode([input], budget), `budget ${budget}`).toBe(expected);
      expect(transcode([input.subarray(0, 57), input.subarray(57)], budget), `budget ${budget}, cut`).toBe(expected);
    }
  });

  it('refuses a stream that ends inside a record, or a record with the wrong number of fields', () => {
    const cut = new PgCsvTranscoder(COLUMNS);
    cut.push(Buffer.from('plain,1,0.5,t,0'));
    expect(() => cut.end()).toThrow(/ended inside a record/);
    const unterminated = new PgCsvTranscoder(COLUMNS);
    unterminated.push(Buffer.from('"open quote,1,2,t,0,0\n'));
    expect(() => unterminated.end()).toThrow(/ended inside a record/);
    expect(() => new PgCsvTranscoder(COLUMNS).push(Buffer.from('a,1\n'))).toThrow(/without 6 fields/);
    expect(() => new PgCsvTranscoder(COLUMNS).push(Buffer.from('a,1,2,t,0,0,extra\n'))).toThrow(/without 6 fields/);
  });

  it('keeps the greatest value of the column it is asked to watch, whatever the chunk boundaries', () => {
    const instants = CASES.map((c) => c.row['instant']).filter((v): v is number => typeof v === 'number');
    const days = CASES.map((c) => c.row['day']).filter((v): v is number => typeof v === 'number');
    for (const [column, values] of [
      ['instant', instants],
      ['day', days],
    ] as const) {
      for (const cut of [1, 40, 200, input.length - 1]) {
        const transcoder = new PgCsvTranscoder(COLUMNS, column);
        transcoder.push(input.subarray(0, cut));
        transcoder.push(input.subarray(cut));
        transcoder.end();
        expect(transcoder.latest, `${column}, cut at ${cut}`).toBe(Math.max(...values));
      }
    }
    const none = new PgCsvTranscoder(COLUMNS, 'instant');
    none.push(Buffer.from(',,,,,\n'));
    expect(none.latest).toBeNull();
    expect(new PgCsvTranscoder(COLUMNS).latest).toBeNull();
    expect(() => new PgCsvTranscoder(COLUMNS, 'text')).toThrow(/not a date or timestamp/);
    expect(() => new PgCsvTranscoder(COLUMNS, 'missing')).toThrow(/not a date or timestamp/);
  });

  it('split by month: cuts the output where the month changes, with each month its rows and latest value', () => {
    // Days 20454 (2026-01-01), 20484 (2026-01-31), 20485 (2026-02-01), 20544 (2026-04-01), -1 (1969-12-31).
    const rows = [
      { day: -1, instant: 5 },
      { day: 20454, instant: 9 },
      { day: 20484, instant: 3 },
      { day: 20485, instant: null },
      { day: 20544, instant: 7 },
      { day: 20544, instant: 8 },
    ];
    const copy = Buffer.from(rows.map((r, i) => `"r,${i}",${i},0.5,t,${r.day},${r.instant ?? ''}\n`).join(''), 'utf8');
    const encoded = (part: typeof rows) =>
      new CsvEncoder(COLUMNS).encode(
        part.map((r) => ({ text: `r,${rows.indexOf(r)}`, count: rows.indexOf(r), measure: 0.5, flag: true, ...r })),
      );
    const expectedMonths = [
      { month: 196912, bytes: encoded(rows.slice(0, 1)), rows: 1, latest: 5 },
      { month: 202601, bytes: encoded(rows.slice(1, 3)), rows: 2, latest: 9 },
      { month: 202602, bytes: encoded(rows.slice(3, 4)), rows: 1, latest: null },
      { month: 202604, bytes: encoded(rows.slice(4)), rows: 2, latest: 8 },
    ];
    for (let cut = 0; cut <= copy.length; cut += 1) {
      for (const budget of [1, 30, Number.POSITIVE_INFINITY]) {
        const transcoder = new PgCsvTranscoder(COLUMNS, 'instant', 'day');
        const months: { month: number; bytes: string; rows: number; latest: number | null }[] = [];
        let pending = '';
        const takeAll = () => {
          const bytes = Buffer.from(transcoder.take());
          let from = 0;
          for (const c of transcoder.takeCuts()) {
            pending += bytes.subarray(from, c.at).toString('utf8');
            if (months.length > 0) Object.assign(months[months.length - 1]!, { bytes: pending, ...c.before });
            else expect(pending).toBe('');
            months.push({ month: c.month, bytes: '', rows: 0, latest: null });
            pending = '';
            from = c.at;
          }
          pending += bytes.subarray(from).toString('utf8');
        };
        for (const chunk of [copy.subarray(0, cut), copy.subarray(cut)]) {
          for (let offset = 0; offset < chunk.length;) {
            offset = transcoder.push(chunk, offset, budget);
            if (offset % 2 === 0) takeAll();
          }
        }
        transcoder.end();
        takeAll();
        Object.assign(months[months.length - 1]!, { bytes: pending, rows: transcoder.rows, latest: transcoder.latest });
        expect(months, `cut at ${cut}, budget ${budget}`).toEqual(expectedMonths);
      }
    }
  });

  it('split by month: refuses months out of order and a row without the date', () => {
    const backwards = new PgCsvTranscoder(COLUMNS, undefined, 'day');
    expect(() => backwards.push(Buffer.from('a,1,2,t,20485,0\nb,1,2,t,20454,0\n'))).toThrow(/not ordered by month/);
    expect(() => new PgCsvTranscoder(COLUMNS, undefined, 'day').push(Buffer.from('a,1,2,t,,0\n'))).toThrow(/without a date/);
    expect(() => new PgCsvTranscoder(COLUMNS, undefined, 'instant')).toThrow(/splitByMonthOf: instant is not a date column/);
  });
});
