import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boolean, date, double, int32, string, timestamp } from '../../src/exports/columns.js';
import { CsvEncoder, csvText } from '../../src/exports/csv-encoder.js';
import { createIsoFormatter } from '../../src/exports/iso-format.js';
import { readAhead } from '../../src/exports/read-ahead.js';

const DAY = 86_400_000;

describe('CSV encoding', () => {
  const columns = [string('name'), int32('count'), double('value'), boolean('flag'), date('day'), timestamp('at')];
  const encoder = new CsvEncoder(columns);

  /**
   * What csv-stringify writes for the same rows, with its formula escaping and RFC 4180 quoting.
   * Each row is stringified on its own and ended with CRLF: with `record_delimiter: '\r\n'`,
   * csv-stringify 6.9 stops quoting fields that hold a lone CR or LF (which breaks RFC 4180), so the
   * default delimiter is used and the line end added here.
   */
  function reference(rows: Record<string, unknown>[]): string {
    return rows
      .map((row) => {
        const iso = {
          ...row,
          day: row.day === null ? null : new Date((row.day as number) * DAY).toISOString().slice(0, 10),
          at: row.at === null ? null : new Date(row.at as number).toISOString(),
        };
        const line = stringify([iso], {
          columns: columns.map((c) => c.name),
          escape_formulas: true,
          eof: false,
          cast: { boolean: (value) => (value ? 'true' : 'false') },
        });
        return `${line}\r\n`;
      })
      .join('');
  }

  it('escapes text that starts like a formula, never numbers', () => {
    expect(csvText('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvText('+1')).toBe("'+1");
    expect(csvText('-2')).toBe("'-2");
    expect(csvText('@x')).toBe("'@x");
    expect(csvText('\tx')).toBe("'\tx");
    expect(csvText('\rx')).toBe(`"'\rx"`);
    expect(csvText('plain')).toBe('plain');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('')).toBe('');
    const line = encoder.encode([{ name: '-2', count: -2, value: -0.5, flag: false, day: 0, at: 0 }]);
    expect(line).toBe("'-2,-2,-0.5,false,1970-01-01,1970-01-01T00:00:00.000Z\r\n");
  });

  it('writes NULL as an empty field and -0 as 0', () => {
    expect(encoder.encode([{ name: null, count: null, value: -0, flag: null, day: null, at: null }])).toBe(',,0,,,\r\n');
  });

  it('gives the same bytes as csv-stringify with escape_formulas, and csv-parse reads the values back', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', 'a', ' ', 'é', '東', '\uFF1D') }),
    );
    const row = fc.record({
      name: fc.option(text, { nil: null }),
      count: fc.option(fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), { nil: null }),
      value: fc.option(
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)),
        { nil: null },
      ),
      flag: fc.option(fc.boolean(), { nil: null }),
      day: fc.option(fc.integer({ min: -719_162, max: 2_932_896 }), { nil: null }),
      at: fc.option(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), (rows) => {
        const ours = encoder.encode(rows);
        expect(ours).toBe(reference(rows));
        const parsed = parse(encoder.header() + ours, { columns: true }) as Record<string, string>[];
        expect(parsed).toHaveLength(rows.length);
        rows.forEach((r, i) => {
          const cell = parsed[i]!.name!;
          // Escaping is one-way (a name that really starts with "'=" reads back the same), so
          // compare with the escaped form of the original rather than un-escaping the cell.
          const original = r.name ?? '';
          expect(cell).toBe(/^[=+\-@\t\r\uFF1D]/.test(original) ? `'${original}` : original);
          expect(parsed[i]!.count).toBe(r.count === null ? '' : String(r.count));
          expect(parsed[i]!.value === '' ? null : Number(parsed[i]!.value)).toBe(r.value);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('ISO formatting', () => {
  it('prints exactly what Date#toISOString prints, for any instant from year 1 to 9999 and beyond', () => {
    const format = createIsoFormatter();
    fc.assert(
      fc.property(fc.integer({ min: -70_000_000_000_000, max: 300_000_000_000_000 }), (ms) => {
        expect(format.timestamp(ms)).toBe(new Date(ms).toISOString());
        const days = Math.floor(ms / DAY);
        if (days >= -719_162 && days <= 2_932_896) expect(format.date(days)).toBe(new Date(days * DAY).toISOString().slice(0, 10));
      }),
      { numRuns: 5_000 },
    );
    // Consecutive values of the same day reuse the cached date; a new day is recomputed.
    expect(format.timestamp(Date.UTC(2026, 0, 24, 23, 59, 59, 999))).toBe('2026-01-24T23:59:59.999Z');
    expect(format.timestamp(Date.UTC(2026, 0, 25))).toBe('2026-01-25T00:00:00.000Z');
    expect(format.date(Date.UTC(2024, 1, 29) / DAY)).toBe('2024-02-29');
  });
});

describe('readAhead', () => {
  function source(log: string[], failAt?: number) {
    return (async function* () {
      try {
        for (let i = 0; i < 5; i += 1) {
          log.push(`fetch ${i}`);
          await Promise.resolve();
          if (i === failAt) throw new Error(`fetch ${i} failed`);
          yield i;
        }
      } finally {
        log.push('closed');
      }
    })();
  }

  it('fetches the next item while the current one is processed, and yields all in order', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const item of readAhead(source(log))) {
      seen.push(item);
      log.push(`use ${item}`);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(log.indexOf('fetch 1')).toBeLessThan(log.indexOf('use 0'));
    expect(log).toContain('closed');
  });

  it('closes the source when the consumer stops early or throws', async () => {
    const log: string[] = [];
    await expect(
      (async () => {
        for await (const item of readAhead(source(log))) if (item === 1) throw new Error('consumer failed');
      })(),
    ).rejects.toThrow('consumer failed');
    expect(log).toContain('closed');
  });

  it('passes a failed fetch on to the consumer without an unhandled rejection', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of readAhead(source(log, 2))) {
          seen.push(item);
          await new Promise((resolve) => setTimeout(resolve, 5)); // the failing fetch settles meanwhile
        }
      })(),
    ).rejects.toThrow('fetch 2 failed');
    expect(seen).toEqual([0, 1]);
    expect(log).toContain('closed');
  });
});
