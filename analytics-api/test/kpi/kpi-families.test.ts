import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPI_KEYS } from '../../src/kpi/kpi-keys.js';
import { computeDaily, type KpiDay, type KpiDayList } from '../../src/kpi/kpi-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertEntries, insertTickets, newTenant, storedDay } from './helpers.js';

/**
 * Hand-checked fixtures, one KPI family at a time. Each expected number is worked out in the
 * comments from kpis.md; tenants are fresh per test so fixtures never mix.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const db = () => t.ctx.db;

async function day(tenantId: string, date: string): Promise<KpiDay> {
  return (await computeDaily(db(), tenantId, { date })) as KpiDay;
}

async function range(tenantId: string, from: string, to: string): Promise<Map<string, KpiDay>> {
  const list = (await computeDaily(db(), tenantId, { from, to })) as KpiDayList;
  return new Map(list.items.map((item) => [item.date, item]));
}

describe('the worked example of kpis.md (Europe/Paris, 2026-01-24)', () => {
  it('assigns tickets and time to local days', async () => {
    const id = await newTenant(db(), { timezone: 'Europe/Paris' });
    await insertTickets(db(), id, [
      { id: 'A', created: '2026-01-23T23:30:00Z' }, // local 01-24 00:30
      { id: 'B', created: '2026-01-24T22:45:00Z', closed: '2026-01-24T23:15:00Z' }, // local 23:45 → 01-25 00:15
    ]);
    await insertEntries(db(), id, [
      { id: 'E', tech: 'tech-1', hours: 2, billable: true, workDate: '2026-01-24', started: '2026-01-24T23:30:00Z' },
    ]);
    const days = await range(id, '2026-01-23', '2026-01-25');

    expect(days.get('2026-01-23')!.kpis).toMatchObject({ tickets_opened: 0, backlog_open: 0, hours_worked: 0 });
    expect(days.get('2026-01-24')!.kpis).toMatchObject({
      tickets_opened: 2, // A and B
      tickets_closed: 0, // B closes on 01-25
      net_flow: 2,
      kill_rate_pct: 0,
      backlog_open: 2, // A open; B closed after the end of 01-24
      hours_worked: 2, // work_date 01-24 wins over started_at (local 01-25 00:30)
      active_technicians: 1,
      capacity_hours: 8,
      utilization_pct: 25,
    });
    expect(days.get('2026-01-25')!.kpis).toMatchObject({
      tickets_opened: 0,
      tickets_closed: 1,
      net_flow: -1,
      kill_rate_pct: null,
      backlog_open: 1,
      resolution_avg_hours: 0.5,
      same_day_close_pct: 0, // B was created on 01-24
      hours_worked: 0,
    });
    expect(days.get('2026-01-24')!.timezone).toBe('Europe/Paris');
  });
});

describe('volume and backlog', () => {
  it('counts opened, closed and the end-of-day backlog with its age buckets', async () => {
    const id = await newTenant(db(), { timezone: 'UTC' });
    // D = 2026-03-10; end(D) = 2026-03-11T00:00:00Z
    await insertTickets(db(), id, [
      { id: 'age0', created: '2026-03-10T12:00:00Z' }, // 12 h → 0
      { id: 'age7', created: '2026-03-04T00:00:00Z' }, // exactly 7 × 24 h → 7
      { id: 'age8', created: '2026-03-03T00:00:00Z' }, // 8
      { id: 'age14', created: '2026-02-24T00:00:01Z' }, // 15 d − 1 s → 14
      { id: 'age15', created: '2026-02-24T00:00:00Z' }, // 15
      { id: 'age30', created: '2026-02-09T00:00:00Z' }, // 30
      { id: 'age31', created: '2026-02-08T00:00:00Z' }, // 31
      { id: 'closedAtEnd', created: '2026-03-09T10:00:00Z', closed: '2026-03-11T00:00:00Z' }, // still open at end(D): age 1
      { id: 'closedJustBefore', created: '2026-03-09T10:00:00Z', closed: '2026-03-10T23:59:59Z' }, // closed on D
      { id: 'createdAtEnd', created: '2026-03-11T00:00:00Z' }, // belongs to 03-11
      { id: 'closedBeforeCreated', created: '2026-03-10T10:00:00Z', closed: '2026-03-10T09:00:00Z' },
      { id: 'doneLongAgo', created: '2026-03-01T00:00:00Z', closed: '2026-03-05T00:00:00Z' },
    ]);
    const { kpis } = await day(id, '2026-03-10');
    expect(kpis).toMatchObject({
      tickets_opened: 2, // age0, closedBeforeCreated
      tickets_closed: 2, // closedJustBefore, closedBeforeCreated (kept in counts)
      net_flow: 0,
      kill_rate_pct: 100,
      backlog_open: 8,
      backlog_age_0_7d: 3, // age0, age7, closedAtEnd
      backlog_age_8_14d: 2, // age8, age14
      backlog_age_15_30d: 2, // age15, age30
      backlog_age_31d_plus: 1, // age31
      // only closedJustBefore has a duration: 37 h 59 min 59 s; closedBeforeCreated is left out
      resolution_avg_hours: 38,
      resolution_median_hours: 38,
      same_day_close_pct: 50, // closedBeforeCreated was created on D
      reopen_rate_pct: 0,
    });
    const stored = await storedDay(db(), id, '2026-03-10');
    expect(stored!['resolution_avg_hours']).toBeCloseTo(37 + 59 / 60 + 59 / 3600, 10);
  });

  it('puts tickets created exactly at local midnight on the day that starts there', async () => {
    const id = await newTenant(db(), { timezone: 'America/New_York' });
    // 2026-01-15 in New York (EST, UTC−5) = [2026-01-15T05:00Z, 2026-01-16T05:00Z)
    await insertTickets(db(), id, [
      { id: 'atStart', created: '2026-01-15T05:00:00Z' },
      { id: 'secondBefore', created: '2026-01-15T04:59:59Z', closed: '2026-01-16T05:00:00Z' },
      { id: 'lastSecond', created: '2026-01-16T04:59:59Z' },
      { id: 'nextMidnight', created: '2026-01-16T05:00:00Z' },
    ]);
    const days = await range(id, '2026-01-14', '2026-01-16');
    expect(days.get('2026-01-14')!.kpis.tickets_opened).toBe(1);
    expect(days.get('2026-01-15')!.kpis.tickets_opened).toBe(2);
    expect(days.get('2026-01-16')!.kpis.tickets_opened).toBe(1);
    // secondBefore closes exactly at end(01-15): still in the 01-15 backlog, closed on 01-16
    expect(days.get('2026-01-15')!.kpis.backlog_open).toBe(3);
    expect(days.get('2026-01-15')!.kpis.tickets_closed).toBe(0);
    expect(days.get('2026-01-16')!.kpis.tickets_closed).toBe(1);
    expect(days.get('2026-01-16')!.kpis.backlog_open).toBe(3);
  });
});

describe('DST days', () => {
  it('New York 2026-03-08 has 23 hours', async () => {
    const id = await newTenant(db(), { timezone: 'America/New_York' });
    // start = 2026-03-08T05:00Z (EST), end = 2026-03-09T04:00Z (EDT)
    await insertTickets(db(), id, [
      { id: 'late', created: '2026-03-09T03:30:00Z' }, // 23:30 EDT on 03-08
      { id: 'afterEnd', created: '2026-03-09T04:30:00Z' }, // 00:30 EDT on 03-09 (a fixed UTC−5 would say 03-08)
      { id: 'midnight', created: '2026-03-08T05:00:00Z' }, // 00:00 EST on 03-08
      { id: 'before', created: '2026-03-08T04:59:59Z' }, // 03-07
      { id: 'ageSeven', created: '2026-03-01T05:00:00Z' }, // end − created = 7 d 23 h → 7 (local dates differ by 8)
      { id: 'ageEight', created: '2026-02-28T05:00:00Z' }, // 8 d 23 h → 8
    ]);
    await insertEntries(db(), id, [
      { id: 'lateWork', tech: 'a', hours: 1, billable: true, started: '2026-03-09T03:45:00Z' }, // 03-08
      { id: 'nextDayWork', tech: 'b', hours: 2, billable: true, started: '2026-03-09T04:15:00Z' }, // 03-09
    ]);
    const days = await range(id, '2026-03-07', '2026-03-09');
    expect(days.get('2026-03-08')!.kpis).toMatchObject({
      tickets_opened: 2,
      backlog_open: 5,
      backlog_age_0_7d: 4,
      backlog_age_8_14d: 1,
      hours_worked: 1,
      active_technicians: 1,
      capacity_hours: 8,
    });
    expect(days.get('2026-03-09')!.kpis).toMatchObject({ tickets_opened: 1, hours_worked: 2 });
    expect(days.get('2026-03-07')!.kpis.tickets_opened).toBe(1);
  });

  it('New York 2026-11-01 has 25 hours, and durations are instant differences', async () => {
    const id = await newTenant(db(), { timezone: 'America/New_York' });
    // start = 2026-11-01T04:00Z (EDT), end = 2026-11-02T05:00Z (EST)
    await insertTickets(db(), id, [
      { id: 'midnight', created: '2026-11-01T04:00:00Z' },
      { id: 'late', created: '2026-11-02T04:30:00Z' }, // 23:30 EST on 11-01 (a fixed UTC−4 would say 11-02)
      { id: 'nextDay', created: '2026-11-02T05:00:00Z' },
      { id: 'before', created: '2026-11-01T03:59:59Z' },
      // 01:30 EDT → 01:30 EST: the wall clock shows no time passing, the instant difference is 60 min
      { id: 'fallBack', created: '2026-11-01T05:30:00Z', responded: '2026-11-01T06:30:00Z' },
      { id: 'ageSeven', created: '2026-10-25T05:30:00Z' }, // 7 d 23.5 h → 7 (local dates differ by 8)
    ]);
    const days = await range(id, '2026-10-31', '2026-11-02');
    expect(days.get('2026-11-01')!.kpis).toMatchObject({
      tickets_opened: 3,
      first_response_count: 1,
      first_response_avg_minutes: 60,
      first_response_median_minutes: 60,
      backlog_open: 5,
      backlog_age_0_7d: 5,
      backlog_age_8_14d: 0,
    });
    expect(days.get('2026-11-02')!.kpis.tickets_opened).toBe(1);
    expect(days.get('2026-10-31')!.kpis.tickets_opened).toBe(1);
  });

  it('Paris 2026-03-29 has 23 hours', async () => {
    const id = await newTenant(db(), { timezone: 'Europe/Paris' });
    // start = 2026-03-28T23:00Z (CET), end = 2026-03-29T22:00Z (CEST)
    await insertTickets(db(), id, [
      { id: 'afterEnd', created: '2026-03-29T22:30:00Z' }, // 00:30 CEST on 03-30 (a fixed UTC+1 would say 03-29)
      { id: 'lastSecond', created: '2026-03-29T21:59:59Z' },
      { id: 'midnight', created: '2026-03-28T23:00:00Z' },
    ]);
    await insertEntries(db(), id, [
      { id: 'started', tech: 'a', hours: 1, billable: true, started: '2026-03-29T22:15:00Z' }, // 03-30
      { id: 'dated', tech: 'a', hours: 3, billable: true, workDate: '2026-03-29', started: '2026-03-29T22:15:00Z' }, // 03-29
    ]);
    const days = await range(id, '2026-03-29', '2026-03-30');
    expect(days.get('2026-03-29')!.kpis).toMatchObject({ tickets_opened: 2, hours_worked: 3, backlog_open: 2 });
    expect(days.get('2026-03-30')!.kpis).toMatchObject({ tickets_opened: 1, hours_worked: 1, backlog_open: 3 });
  });
});

describe('time entries', () => {
  it('use work_date as given, never shifted by the time zone, and local_date(started_at) otherwise', async () => {
    const id = await newTenant(db(), { timezone: 'Pacific/Kiritimati' }); // UTC+14
    await insertEntries(db(), id, [
      // work_date wins; started_at is local 2026-01-17 10:00
      { id: 'dated', tech: 'a', hours: 1.5, billable: true, workDate: '2026-01-15', started: '2026-01-16T20:00:00Z' },
      // no work_date: local 2026-01-15 02:00
      { id: 'started', tech: 'b', hours: 2, billable: false, started: '2026-01-14T12:00:00Z' },
    ]);
    const days = await range(id, '2026-01-14', '2026-01-17');
    expect(days.get('2026-01-15')!.kpis).toMatchObject({ hours_worked: 3.5, hours_billable: 1.5, active_technicians: 2 });
    for (const other of ['2026-01-14', '2026-01-16', '2026-01-17']) expect(days.get(other)!.kpis.hours_worked).toBe(0);
  });

  it('sum hours, billed hours and amounts, and derive ratios, capacity and utilization', async () => {
    const id = await newTenant(db(), { timezone: 'UTC', capacity: 7.5 });
    await insertTickets(db(), id, [
      { id: 'k1', created: '2026-05-31T09:00:00Z', closed: '2026-06-01T10:00:00Z' },
      { id: 'k2', created: '2026-05-31T09:00:00Z', closed: '2026-06-01T11:00:00Z' },
      { id: 'k3', created: '2026-05-31T09:00:00Z', closed: '2026-06-01T12:00:00Z' },
    ]);
    await insertEntries(db(), id, [
      { id: 'e1', tech: 't1', hours: 3, billable: true, rate: 100, workDate: '2026-06-01' }, // billed defaults to 3 → 300
      { id: 'e2', tech: 't1', hours: 1.5, billable: true, billed: 1, rate: 120, workDate: '2026-06-01' }, // → 120
      { id: 'e3', tech: 't2', hours: 2, billable: false, billed: 2, rate: 100, workDate: '2026-06-01' }, // not billable
      { id: 'e4', tech: 't2', hours: 0.5, billable: true, workDate: '2026-06-01' }, // billed 0.5, no rate
    ]);
    const { kpis } = await day(id, '2026-06-01');
    expect(kpis).toMatchObject({
      hours_worked: 7,
      hours_billable: 5,
      hours_billed: 4.5,
      billable_ratio_pct: 71.43, // 5 / 7
      active_technicians: 2,
      capacity_hours: 15, // 2 × 7.5
      utilization_pct: 33.33, // 5 / 15
      billable_amount: 420,
      effective_hourly_rate: 60, // 420 / 7
      tickets_closed_per_technician: 1.5, // 3 / 2
    });
  });
});

describe('SLA verdicts', () => {
  it('take the source flag first, then the due date, and leave tickets without SLA out', async () => {
    const id = await newTenant(db(), { timezone: 'UTC' });
    const created = '2026-04-10T08:00:00Z';
    const responded = '2026-04-10T10:00:00Z';
    const opened = '2026-04-09T08:00:00Z';
    const closed = '2026-04-10T12:00:00Z';
    await insertTickets(db(), id, [
      { id: 's1', created, responded, responseMet: true, responseDue: '2026-04-10T09:00:00Z' }, // flag: met
      { id: 's2', created, responded, responseMet: false, responseDue: '2026-04-10T11:00:00Z' }, // flag: breached
      { id: 's3', created, responded, responseDue: responded }, // due, on time to the second: met
      { id: 's4', created, responded, responseDue: '2026-04-10T09:59:59Z' }, // due: breached
      { id: 's5', created, responded }, // no SLA
      { id: 's6', created, responded, resolutionMet: true }, // a resolution flag says nothing about the response
      { id: 'c1', created: opened, closed, resolutionMet: true, resolutionDue: '2026-04-09T20:00:00Z' },
      { id: 'c2', created: opened, closed, resolutionMet: false, resolutionDue: '2026-04-11T00:00:00Z' },
      { id: 'c3', created: opened, closed, resolutionDue: closed },
      { id: 'c4', created: opened, closed, resolutionDue: '2026-04-10T11:00:00Z' },
      { id: 'c5', created: opened, closed, responseMet: true },
      { id: 'c6', created: opened, closed },
      // the next day: only tickets without SLA
      { id: 'n1', created: '2026-04-11T08:00:00Z', responded: '2026-04-11T09:00:00Z', closed: '2026-04-11T10:00:00Z' },
    ]);
    const days = await range(id, '2026-04-10', '2026-04-11');
    expect(days.get('2026-04-10')!.kpis).toMatchObject({
      first_response_count: 6,
      sla_response_met: 2,
      sla_response_breached: 2,
      sla_response_pct: 50,
      tickets_closed: 6,
      sla_resolution_met: 2,
      sla_resolution_breached: 2,
      sla_resolution_pct: 50,
    });
    expect(days.get('2026-04-11')!.kpis).toMatchObject({
      first_response_count: 1,
      sla_response_met: 0,
      sla_response_breached: 0,
      sla_response_pct: null,
      tickets_closed: 1,
      sla_resolution_met: 0,
      sla_resolution_breached: 0,
      sla_resolution_pct: null,
    });
  });
});

describe('durations', () => {
  it('average and take the median (interpolated for even counts) without tickets that ended before they began', async () => {
    const id = await newTenant(db(), { timezone: 'UTC' });
    const c = '2026-05-05T08:00:00Z';
    const plus = (minutes: number) => new Date(Date.parse(c) + minutes * 60_000).toISOString();
    await insertTickets(db(), id, [
      { id: 'r10', created: c, responded: plus(10), closed: plus(60) }, // resolution 1 h
      { id: 'r20', created: c, responded: plus(20), closed: plus(120) }, // 2 h
      { id: 'r30', created: c, responded: plus(30), closed: plus(240) }, // 4 h
      { id: 'r50', created: c, responded: plus(50), closed: plus(600) }, // 10 h
      // responded and closed before it was created: counted, not in durations
      { id: 'odd', created: '2026-05-05T09:00:00Z', responded: '2026-05-05T08:30:00Z', closed: '2026-05-05T08:45:00Z' },
      // a day whose only closed ticket has a negative duration
      { id: 'alone', created: '2026-05-06T09:00:00Z', closed: '2026-05-06T08:00:00Z' },
    ]);
    const days = await range(id, '2026-05-05', '2026-05-06');
    expect(days.get('2026-05-05')!.kpis).toMatchObject({
      first_response_count: 5,
      first_response_avg_minutes: 27.5, // (10 + 20 + 30 + 50) / 4
      first_response_median_minutes: 25, // (20 + 30) / 2
      tickets_closed: 5,
      resolution_avg_hours: 4.25, // (1 + 2 + 4 + 10) / 4
      resolution_median_hours: 3, // (2 + 4) / 2
    });
    expect(days.get('2026-05-06')!.kpis).toMatchObject({
      tickets_opened: 1,
      tickets_closed: 1,
      resolution_avg_hours: null,
      resolution_median_hours: null,
    });
  });
});

describe('closure quality', () => {
  it('computes kill rate, same-day close and reopen rate over the closed tickets', async () => {
    const id = await newTenant(db(), { timezone: 'UTC' });
    await insertTickets(db(), id, [
      { id: 'o1', created: '2026-05-06T08:00:00Z', closed: '2026-05-06T09:00:00Z', reopens: 2 },
      { id: 'o2', created: '2026-05-06T08:00:00Z' },
      { id: 'o3', created: '2026-05-06T08:00:00Z' },
      { id: 'x1', created: '2026-05-01T08:00:00Z', closed: '2026-05-06T10:00:00Z' },
      // 2026-05-07: three closed, one opened the same day
      { id: 'y1', created: '2026-05-07T08:00:00Z', closed: '2026-05-07T09:00:00Z' },
      { id: 'y2', created: '2026-05-02T08:00:00Z', closed: '2026-05-07T09:00:00Z', reopens: 1 },
      { id: 'y3', created: '2026-05-03T08:00:00Z', closed: '2026-05-07T09:00:00Z' },
    ]);
    const days = await range(id, '2026-05-06', '2026-05-07');
    expect(days.get('2026-05-06')!.kpis).toMatchObject({
      tickets_opened: 3,
      tickets_closed: 2,
      net_flow: 1,
      kill_rate_pct: 66.67, // 2 / 3, half away from zero
      same_day_close_pct: 50,
      reopen_rate_pct: 50,
    });
    expect(days.get('2026-05-07')!.kpis).toMatchObject({
      tickets_opened: 1,
      tickets_closed: 3,
      kill_rate_pct: 300, // can exceed 100
      same_day_close_pct: 33.33,
      reopen_rate_pct: 33.33,
    });
    // stored at full precision, rounded only when served
    expect((await storedDay(db(), id, '2026-05-06'))!['kill_rate_pct']).toBeCloseTo(200 / 3, 12);
  });
});

describe('rounding and nulls', () => {
  it('rounds half away from zero when the true value is exactly half a cent', async () => {
    const id = await newTenant(db(), { timezone: 'UTC', capacity: 8 });
    await insertEntries(db(), id, [
      { id: 'tiny', tech: 't1', hours: 0.01, billable: true, workDate: '2026-06-02' }, // utilization 100 × 0.01 / 8 = 0.125
      { id: 'odd', tech: 't1', hours: 1.005, billable: true, billed: 1.005, rate: 10, workDate: '2026-06-03' },
    ]);
    const days = await range(id, '2026-06-02', '2026-06-03');
    expect(days.get('2026-06-02')!.kpis.utilization_pct).toBe(0.13);
    expect(days.get('2026-06-02')!.kpis.hours_worked).toBe(0.01);
    // 1.005 is 1.00499999999999989… as a double; it is still the decimal 1.005, so 1.01
    expect(days.get('2026-06-03')!.kpis.hours_worked).toBe(1.01);
    expect(days.get('2026-06-03')!.kpis.billable_amount).toBe(10.05);
    expect(days.get('2026-06-03')!.kpis.effective_hourly_rate).toBe(10);
    expect((await storedDay(db(), id, '2026-06-02'))!['utilization_pct']).toBe(0.125);
  });

  it('gives null for every ratio, mean and median of an empty set, and zero for counts and sums', async () => {
    const id = await newTenant(db(), { timezone: 'UTC' });
    await insertTickets(db(), id, [{ id: 'closedOnly', created: '2026-06-08T08:00:00Z', closed: '2026-06-10T09:00:00Z' }]);
    await insertEntries(db(), id, [{ id: 'zero', tech: 't1', hours: 0, billable: true, workDate: '2026-06-11' }]);
    const days = await range(id, '2026-06-01', '2026-06-11');

    const empty = days.get('2026-06-01')!;
    const counts = new Set([
      'tickets_opened',
      'tickets_closed',
      'net_flow',
      'backlog_open',
      'backlog_age_0_7d',
      'backlog_age_8_14d',
      'backlog_age_15_30d',
      'backlog_age_31d_plus',
      'first_response_count',
      'sla_response_met',
      'sla_response_breached',
      'sla_resolution_met',
      'sla_resolution_breached',
      'hours_worked',
      'hours_billable',
      'hours_billed',
      'active_technicians',
      'capacity_hours',
      'billable_amount',
    ]);
    for (const key of KPI_KEYS) expect(empty.kpis[key], key).toBe(counts.has(key) ? 0 : null);
    expect(empty.data_as_of).toBeNull();

    // closed, nothing opened, nobody logging time
    expect(days.get('2026-06-10')!.kpis).toMatchObject({
      tickets_closed: 1,
      kill_rate_pct: null,
      same_day_close_pct: 0,
      active_technicians: 0,
      capacity_hours: 0,
      utilization_pct: null,
      tickets_closed_per_technician: null,
    });
    // a technician logged 0 hours: no hours to divide by, but capacity exists
    expect(days.get('2026-06-11')!.kpis).toMatchObject({
      hours_worked: 0,
      billable_ratio_pct: null,
      effective_hourly_rate: null,
      active_technicians: 1,
      capacity_hours: 8,
      utilization_pct: 0,
      tickets_closed_per_technician: 0,
    });
  });
});

describe('freshness', () => {
  it('reports the latest change of the records a day was computed from, and when it was computed', async () => {
    const id = await newTenant(db(), { timezone: 'UTC' });
    const before = Date.now();
    await insertTickets(db(), id, [
      { id: 'opened', created: '2026-07-10T08:00:00Z', changedAt: '2026-07-10T09:00:00Z' },
      // in the backlog of 07-10 only; its change is the latest of that day
      { id: 'old', created: '2026-07-01T08:00:00Z', closed: '2026-07-11T08:00:00Z', changedAt: '2026-07-12T00:00:00Z' },
    ]);
    await insertEntries(db(), id, [
      {
        id: 'e',
        tech: 't',
        hours: 1,
        billable: true,
        workDate: '2026-07-10',
        changedAt: '2026-07-10T10:00:00Z',
        sourceUpdatedAt: '2026-07-11T00:00:00Z',
      },
    ]);
    const days = await range(id, '2026-07-09', '2026-07-10');
    expect(days.get('2026-07-10')!.data_as_of).toBe('2026-07-12T00:00:00.000Z');
    expect(days.get('2026-07-09')!.data_as_of).toBe('2026-07-12T00:00:00.000Z'); // "old" is in the 07-09 backlog too
    const computedAt = Date.parse(days.get('2026-07-10')!.computed_at);
    expect(computedAt).toBeGreaterThanOrEqual(before - 5_000);
    expect(computedAt).toBeLessThanOrEqual(Date.now() + 5_000);
  });
});
