/** The page's pure logic (no browser needed): date arithmetic, number formats, range aggregation. */
import { describe, expect, it } from 'vitest';
import { aggregateGroups, aggregateTotal, sumRows } from '../../dashboard/src/aggregate.js';
import { addDays, daysBetween, eachDay, isIsoDate } from '../../dashboard/src/dates.js';
import { formatDelta, formatValue } from '../../dashboard/src/format.js';
import type { DailyItem, KpiGroup } from '../../dashboard/src/types.js';

const item = (date: string, kpis: DailyItem['kpis'], groups?: KpiGroup[]): DailyItem => ({
  tenant_id: 't',
  date,
  timezone: 'UTC',
  computed_at: `${date}T23:00:00Z`,
  data_as_of: `${date}T22:00:00Z`,
  kpis,
  groups,
});

describe('dates', () => {
  it('does calendar arithmetic without time-zone drift, across months, years and DST dates', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(daysBetween('2026-01-01', '2026-01-31')).toBe(30);
    expect(eachDay('2026-03-28', '2026-03-30')).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-1-01')).toBe(false);
    expect(isIsoDate('2028-02-29')).toBe(true);
  });
});

describe('formats', () => {
  it('shows nulls as a dash and durations in minutes, hours and days', () => {
    expect(formatValue(null, 'pct')).toBe('—');
    expect(formatValue(42.4, 'minutes')).toBe('42 min');
    expect(formatValue(72, 'minutes')).toBe('1 h 12 min');
    expect(formatValue(120, 'minutes')).toBe('2 h');
    expect(formatValue(1500, 'minutes')).toBe('1 d 1 h');
  });

  it('gives changes in the value’s unit, percentages in points', () => {
    expect(formatDelta(10, 7, 'count')).toMatchObject({ text: '+3', direction: 'up' });
    expect(formatDelta(7, 10, 'count')).toMatchObject({ text: '\u22123', direction: 'down' });
    expect(formatDelta(80.25, 82.5, 'pct').text).toMatch(/^\u22122\.3 pp$/);
    expect(formatDelta(5, 5, 'count')).toMatchObject({ text: 'no change', direction: 'flat' });
    expect(formatDelta(5, null, 'count')).toMatchObject({ direction: 'none' });
  });
});

describe('aggregation over a range', () => {
  const g = (key: string | null, label: string | null, kpis: DailyItem['kpis']): KpiGroup => ({ key, label, kpis });
  const days = [
    item('2026-01-01', { tickets_opened: 5, hours_worked: 10 }, [
      g('a', 'Alpha', {
        tickets_opened: 3,
        tickets_closed: 1,
        backlog_open: 9,
        first_response_count: 2,
        first_response_avg_minutes: 30,
        sla_response_met: 1,
        sla_response_breached: 1,
        hours_worked: 6,
        hours_billable: 3,
        capacity_hours: 8,
      }),
      g(null, null, { tickets_opened: 2, tickets_closed: 0, backlog_open: 4, hours_worked: 4, hours_billable: 4, capacity_hours: null }),
    ]),
    item('2026-01-02', { tickets_opened: 4, hours_worked: 8.1 }, [
      g('a', 'Alpha Ltd', {
        tickets_opened: 4,
        tickets_closed: 2,
        backlog_open: 7,
        first_response_count: 1,
        first_response_avg_minutes: 60,
        sla_response_met: 1,
        sla_response_breached: 0,
        hours_worked: 8.1,
        hours_billable: 0.2,
        capacity_hours: 8,
      }),
    ]),
  ];

  it('sums additive values, recomputes ratios from the sums and takes the backlog of the last day', () => {
    const rows = aggregateGroups(days);
    const alpha = rows.find((r) => r.key === 'a')!;
    expect(alpha).toMatchObject({
      label: 'Alpha Ltd',
      tickets_opened: 7,
      tickets_closed: 3,
      backlog_open: 7,
      first_response_count: 3,
      first_response_avg_minutes: 40, // (30×2 + 60×1) / 3, not (30 + 60) / 2
      sla_response_pct: 66.67, // 2 met of 3, not the mean of 50 % and 100 %
      hours_worked: 14.1,
      hours_billable: 3.2,
      capacity_hours: 16,
      utilization_pct: 20,
      billable_ratio_pct: 22.7,
    });
    const none = rows.find((r) => r.key === null)!;
    expect(none).toMatchObject({ label: '(none)', backlog_open: 0, sla_response_pct: null, capacity_hours: null, utilization_pct: null });
    const total = sumRows(rows, 'All');
    expect(total).toMatchObject({ tickets_opened: 9, hours_worked: 18.1, backlog_open: 7 });
    expect(aggregateTotal(days)).toMatchObject({ tickets_opened: 9, hours_worked: 18.1 });
  });
});
