import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors.js';
import { parseIsoDate, parsePeriod } from '../../src/kpi/dates.js';
import { KPI_KEYS, roundKpi, serializeKpis } from '../../src/kpi/kpi-keys.js';

describe('roundKpi: 2 decimals, half away from zero', () => {
  it.each([
    [(2 / 3) * 100, 66.67],
    [(1 / 3) * 100, 33.33],
    [0.125, 0.13],
    [-0.125, -0.13],
    [1.005, 1.01], // 1.00499999999999989… as a double, the decimal 1.005
    [2.675, 2.68],
    [-2.675, -2.68],
    [1.0049, 1],
    [0.1 + 0.2, 0.3],
    [123456.785, 123456.79],
    [42, 42],
    [1e-7, 0],
    [99.995, 100],
  ])('%s → %s', (value, expected) => {
    expect(roundKpi(value)).toBe(expected);
  });

  it('never returns -0, and keeps null', () => {
    expect(Object.is(roundKpi(-0.001), 0)).toBe(true);
    expect(roundKpi(null)).toBeNull();
    expect(roundKpi(undefined)).toBeNull();
    expect(roundKpi(Number.NaN)).toBeNull();
  });
});

describe('serializeKpis', () => {
  it('emits every key in the spec order, counts as integers, other values rounded, nulls kept', () => {
    const row: Record<string, unknown> = {
      tickets_opened: 3,
      kill_rate_pct: 200 / 3,
      hours_worked: '1.005',
      first_response_avg_minutes: null,
    };
    const kpis = serializeKpis(row);
    expect(Object.keys(kpis)).toEqual([...KPI_KEYS]);
    expect(kpis.tickets_opened).toBe(3);
    expect(kpis.kill_rate_pct).toBe(66.67);
    expect(kpis.hours_worked).toBe(1.01);
    expect(kpis.first_response_avg_minutes).toBeNull();
    expect(kpis.tickets_closed).toBeNull(); // absent from the row
  });
});

describe('dates', () => {
  it('accepts real calendar dates only', () => {
    expect(parseIsoDate('2024-02-29', 'date')).toBe('2024-02-29');
    expect(parseIsoDate('2000-02-29', 'date')).toBe('2000-02-29');
    for (const bad of [
      '2026-02-29',
      '1900-02-29',
      '2026-02-30',
      '2026-04-31',
      '2026-00-10',
      '2026-01-00',
      '2026-1-5',
      '20260105',
      ' 2026-01-05',
      'x',
    ]) {
      expect(() => parseIsoDate(bad, 'date'), bad).toThrow(DomainError);
    }
  });

  it('reads a period: one date, or an inclusive range of at most 366 days', () => {
    expect(parsePeriod({})).toBeUndefined();
    expect(parsePeriod({ date: '2026-01-24' })).toEqual({ from: '2026-01-24', to: '2026-01-24', single: true });
    expect(parsePeriod({ from: '2026-01-24', to: '2026-01-24' })).toEqual({ from: '2026-01-24', to: '2026-01-24', single: false });
    expect(parsePeriod({ from: '2024-01-01', to: '2024-12-31' })).toMatchObject({ single: false }); // 366 days (leap year)
    expect(parsePeriod({ from: '2023-01-01', to: '2024-01-01' })).toMatchObject({ single: false }); // 365 + 1 = 366 days
    for (const bad of [
      { from: '2024-01-01', to: '2025-01-01' }, // 367 days
      { from: '2026-01-02', to: '2026-01-01' },
      { date: '2026-01-01', from: '2026-01-01', to: '2026-01-01' },
      { date: '2026-01-01', to: '2026-01-01' },
      { from: '2026-01-01' },
      { to: '2026-01-01' },
    ]) {
      expect(() => parsePeriod(bad), JSON.stringify(bad)).toThrow(DomainError);
    }
  });
});
