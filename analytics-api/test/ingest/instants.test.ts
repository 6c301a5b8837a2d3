import { describe, expect, it } from 'vitest';
import { fastNormalizedInstant, normalizeInstant, parseInstant } from '../../src/ingest/instants.js';
import { validateTicket } from '../../src/ingest/validate.js';

/** What the full parser alone decides: the reference the fast path must match. */
function reference(value: string): string | null {
  const parsed = parseInstant(value);
  return 'ms' in parsed ? new Date(parsed.ms).toISOString() : null;
}

/** The fast path may hand over (undefined), but whatever it answers must be the reference's answer. */
function disagreement(value: string): string | null {
  const expected = reference(value);
  const fast = fastNormalizedInstant(value);
  if (fast !== undefined && fast !== expected) return `${value}: fast path ${fast}, full parser ${expected}`;
  const normalized = normalizeInstant(value);
  return normalized === expected ? null : `${value}: normalizeInstant ${normalized}, full parser ${expected}`;
}

const EDGE_CASES = [
  // leap years, month ends
  '2024-02-29T12:00:00Z',
  '2023-02-29T12:00:00Z',
  '2024-02-30T12:00:00Z',
  '2000-02-29T00:00:00Z',
  '2100-02-29T00:00:00Z',
  '2400-02-29T00:00:00Z',
  '1972-02-29T00:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-04-30T23:59:59Z',
  '2026-12-31T23:59:59.999Z',
  '2026-01-00T10:00:00Z',
  '2026-00-10T10:00:00Z',
  '2026-13-10T10:00:00Z',
  '2026-01-32T10:00:00Z',
  // times of day
  '2026-01-24T24:00:00Z',
  '2026-01-24T23:60:00Z',
  '2026-01-24T23:59:60Z',
  '2026-01-24T00:00:00Z',
  // offsets, including ones that cross a day, a year or the year bounds
  '2026-01-24T09:30:00+01:00',
  '2026-01-24T09:30:00-05:30',
  '2026-01-24T09:30:00+00:00',
  '2026-01-24T09:30:00-00:00',
  '2026-01-24T09:30:00+23:59',
  '2026-01-24T09:30:00+24:00',
  '2026-01-24T09:30:00+05:60',
  '2026-01-01T00:30:00+01:00',
  '2026-12-31T23:30:00-01:00',
  '1970-01-01T00:00:00+01:00',
  '2999-12-31T23:00:00-05:00',
  '2026-01-24T09:30:00+0100',
  '2026-01-24T09:30:00+1:00',
  '2026-01-24T09:30:00*01:00',
  '2026-01-24T09:30:00.5+01:00',
  '2026-01-24T09:30:00.123456789-08:00',
  // fractions of any length
  '2026-01-24T09:30:00.1Z',
  '2026-01-24T09:30:00.12Z',
  '2026-01-24T09:30:00.123Z',
  '2026-01-24T09:30:00.1234Z',
  '2022-09-30T08:23:56.4214387Z',
  '2026-01-24T09:30:00.000000000000001Z',
  '2026-01-24T09:30:00.Z',
  '2026-01-24T09:30:00.',
  '2026-01-24T09:30:00.12a3Z',
  '2026-01-24T09:30:00.999999Z',
  // year bounds
  '1969-12-31T23:59:59Z',
  '1970-01-01T00:00:00Z',
  '2999-12-31T23:59:59Z',
  '3000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  // shapes the fast path hands over, and non-instants
  '2026-01-24t09:30:00z',
  '2026-01-24 09:30:00Z',
  '2026-01-24T09:30:00z',
  '2026-01-24T09:30:00',
  '2026-01-24',
  '2026-01-24T09:30Z',
  '+2026-01-24T09:30:00Z',
  '2026-1-24T09:30:00Z',
  '2026-01-24T09:30:00ZZ',
  '2026-01-24T09:30:00Z ',
  '２026-01-24T09:30:00Z',
  '2026-01-24T09:3O:00Z',
  '2026/01/24T09:30:00Z',
  '',
  'yesterday',
];

describe('the instant fast path', () => {
  it.each(EDGE_CASES)('agrees with the full parser on %j', (value) => expect(disagreement(value)).toBeNull());

  it('takes the shapes it is for (otherwise it buys nothing)', () => {
    for (const value of [
      '2026-01-24T09:30:00.123Z',
      '2026-01-24T09:30:00Z',
      '2026-01-24T09:30:00.4214387Z',
      '2026-01-24T09:30:00+01:00',
      '2026-01-24T09:30:00.5-05:30',
    ]) {
      expect(fastNormalizedInstant(value), value).toBe(reference(value));
    }
    // The normal form comes back as the very same string: nothing is allocated.
    const normal = '2026-01-24T09:30:00.123Z';
    expect(fastNormalizedInstant(normal)).toBe(normal);
  });

  it('agrees with the full parser on every day of four centuries and on random well-shaped values', () => {
    const values: string[] = [];
    for (let year = 1969; year <= 3000; year += year < 2030 || year > 2390 ? 1 : 37) {
      for (let month = 0; month <= 13; month += 1) {
        for (let day = 0; day <= 32; day += 1) {
          values.push(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T12:34:56Z`);
        }
      }
    }
    // A fixed-seed generator keeps failures reproducible.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const two = (max: number) => String(random(max)).padStart(2, '0');
    for (let i = 0; i < 20_000; i += 1) {
      const fraction = random(3) === 0 ? '' : `.${String(random(1_000_000_000)).slice(0, 1 + random(9))}`;
      const zone = random(2) === 0 ? 'Z' : `${random(2) === 0 ? '+' : '-'}${two(26)}:${two(62)}`;
      values.push(`${1960 + random(1050)}-${two(14)}-${two(33)}T${two(26)}:${two(62)}:${two(62)}${fraction}${zone}`);
    }
    expect(values.map(disagreement).filter((d) => d !== null)).toEqual([]);
    // Both outcomes are well represented, so the comparison means something either way.
    const taken = values.filter((v) => fastNormalizedInstant(v) !== undefined).length;
    expect(taken).toBeGreaterThan(values.length / 5);
    expect(taken).toBeLessThan(values.length * 0.8);
  });

  it('leaves the reasons of rejected instants to the full parser', () => {
    const result = validateTicket({ external_id: 'T-1', created_at: '2026-02-30T10:00:00Z', closed_at: '2026-01-24T24:00:00Z' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reasons).toEqual([
      'created_at: "2026-02-30T10:00:00Z" is not a real calendar date',
      'closed_at: "2026-01-24T24:00:00Z" has an impossible time of day',
    ]);
  });
});
