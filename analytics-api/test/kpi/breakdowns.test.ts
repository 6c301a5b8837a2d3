import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDITIVE_KEYS, KPI_KEYS } from '../../src/kpi/kpi-keys.js';
import { addDays } from '../../src/kpi/dates.js';
import { computeDaily, readDaily, type KpiDay, type KpiDayList, type KpiGroup } from '../../src/kpi/kpi-service.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';
import { insertEntries, insertTickets, newTenant, storedDay, storedGroups, type EntryFixture, type TicketFixture } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());
const db = () => t.ctx.db;

const D = '2026-07-01';

/**
 * One day (UTC) with every breakdown rule in play:
 * - k1 (Acme, Alice, P1) opened and closed on D, responded after 30 min;
 * - k2 (Acme renamed "Acme Corp" later, Bob, P2) opened on D, still open;
 * - k3 (no client, nobody, no priority) open since 06-20 → backlog, age 12;
 * - k4 (Globex, Alice, P1) opened the day before, closed on D;
 * - e1 Alice 2 h billable on k1 (client and priority from k1);
 * - e2 Alice 1 h billable on k4 but with its own client Initech (own client wins, priority from k4);
 * - e3 Carol 4 h not billable, no ticket, no client;
 * - e4 Bob 1 h billable on k2.
 */
const tickets: TicketFixture[] = [
  {
    id: 'k1',
    created: '2026-07-01T09:00:00Z',
    responded: '2026-07-01T09:30:00Z',
    closed: '2026-07-01T12:00:00Z',
    client: 'c1',
    clientName: 'Acme',
    tech: 't1',
    techName: 'Alice',
    priority: 'P1',
    changedAt: '2026-07-01T10:00:00Z',
  },
  {
    id: 'k2',
    created: '2026-07-01T10:00:00Z',
    client: 'c1',
    clientName: 'Acme Corp',
    tech: 't2',
    techName: 'Bob',
    priority: 'P2',
    changedAt: '2026-07-01T11:00:00Z',
  },
  { id: 'k3', created: '2026-06-20T00:00:00Z', changedAt: '2026-06-20T00:00:00Z' },
  {
    id: 'k4',
    created: '2026-06-30T15:00:00Z',
    closed: '2026-07-01T08:00:00Z',
    client: 'c2',
    clientName: 'Globex',
    tech: 't1',
    techName: 'Alice',
    priority: 'P1',
    changedAt: '2026-07-01T08:00:00Z',
  },
];
const entries: EntryFixture[] = [
  {
    id: 'e1',
    tech: 't1',
    techName: 'Alice',
    hours: 2,
    billable: true,
    rate: 100,
    ticket: 'k1',
    workDate: D,
    changedAt: '2026-07-01T09:00:00Z',
  },
  {
    id: 'e2',
    tech: 't1',
    techName: 'Alice',
    hours: 1,
    billable: true,
    rate: 100,
    ticket: 'k4',
    client: 'c3',
    clientName: 'Initech',
    workDate: D,
    changedAt: '2026-07-01T09:00:00Z',
  },
  { id: 'e3', tech: 't3', techName: 'Carol', hours: 4, billable: false, workDate: D, changedAt: '2026-07-01T09:00:00Z' },
  { id: 'e4', tech: 't2', techName: 'Bob', hours: 1, billable: true, ticket: 'k2', workDate: D, changedAt: '2026-07-01T09:00:00Z' },
];

async function seeded(): Promise<string> {
  const id = await newTenant(db(), { timezone: 'UTC', capacity: 8 });
  await insertTickets(db(), id, tickets);
  await insertEntries(db(), id, entries);
  return id;
}

const byKey = (groups: KpiGroup[]) => new Map(groups.map((g) => [g.key, g]));

describe('breakdowns', () => {
  it('group tickets by their own fields and time entries by theirs, with fallbacks to the linked ticket', async () => {
    const id = await seeded();
    await computeDaily(db(), id, { date: D });

    const tenant = (await readDaily(db(), id, { date: D })) as KpiDay;
    expect(tenant.kpis).toMatchObject({
      tickets_opened: 2,
      tickets_closed: 2,
      backlog_open: 2,
      hours_worked: 8,
      hours_billable: 4,
      active_technicians: 3,
      capacity_hours: 24,
      utilization_pct: 16.67,
    });
    expect(tenant.groups).toBeUndefined();

    const clients = byKey(((await readDaily(db(), id, { date: D }, 'client')) as KpiDay).groups!);
    expect([...clients.keys()]).toEqual(['c1', 'c2', 'c3', null]); // by label: Acme Corp, Globex, Initech, then (none)
    expect(clients.get('c1')!.label).toBe('Acme Corp'); // the day's records disagree (a rename): the alphabetically last name
    expect(clients.get('c1')!.kpis).toMatchObject({
      tickets_opened: 2,
      tickets_closed: 1,
      backlog_open: 1,
      first_response_count: 1,
      first_response_avg_minutes: 30,
      hours_worked: 3, // e1 via k1, e4 via k2
      active_technicians: 2,
      capacity_hours: null,
      utilization_pct: null,
      billable_amount: 200,
    });
    expect(clients.get('c2')!.kpis).toMatchObject({ tickets_closed: 1, hours_worked: 0, active_technicians: 0, capacity_hours: null });
    expect(clients.get('c3')!.label).toBe('Initech');
    expect(clients.get('c3')!.kpis).toMatchObject({ tickets_opened: 0, hours_worked: 1, active_technicians: 1 });
    expect(clients.get(null)!.label).toBe('(none)');
    expect(clients.get(null)!.kpis).toMatchObject({ backlog_open: 1, backlog_age_8_14d: 1, hours_worked: 4, hours_billable: 0 });

    const technicians = byKey(((await readDaily(db(), id, { date: D }, 'technician')) as KpiDay).groups!);
    expect([...technicians.keys()]).toEqual(['t1', 't2', 't3', null]);
    expect(technicians.get('t1')!.label).toBe('Alice');
    expect(technicians.get('t1')!.kpis).toMatchObject({
      tickets_opened: 1,
      tickets_closed: 2,
      hours_worked: 3,
      active_technicians: 1,
      capacity_hours: 8,
      utilization_pct: 37.5,
      tickets_closed_per_technician: 2,
    });
    expect(technicians.get('t2')!.kpis).toMatchObject({ tickets_opened: 1, backlog_open: 1, hours_worked: 1, utilization_pct: 12.5 });
    expect(technicians.get('t3')!.kpis).toMatchObject({
      hours_worked: 4,
      hours_billable: 0,
      active_technicians: 1,
      capacity_hours: 8,
      utilization_pct: 0,
    });
    // the "(none)" technician: unassigned tickets, no time logged
    expect(technicians.get(null)!.kpis).toMatchObject({
      backlog_open: 1,
      active_technicians: 0,
      capacity_hours: 0,
      utilization_pct: null,
      tickets_closed_per_technician: null,
    });

    const priorities = byKey(((await readDaily(db(), id, { date: D }, 'priority')) as KpiDay).groups!);
    expect([...priorities.keys()]).toEqual(['P1', 'P2', null]);
    expect(priorities.get('P1')!.label).toBe('P1');
    expect(priorities.get('P1')!.kpis).toMatchObject({
      tickets_opened: 1,
      tickets_closed: 2,
      hours_worked: 3,
      capacity_hours: null,
      utilization_pct: null,
    });
    expect(priorities.get('P2')!.kpis).toMatchObject({ tickets_opened: 1, backlog_open: 1, hours_worked: 1 });
    expect(priorities.get(null)!.kpis).toMatchObject({ backlog_open: 1, hours_worked: 4 });
  });

  it('sum to the tenant level for every additive KPI, in every dimension', async () => {
    const id = await seeded();
    await computeDaily(db(), id, { from: '2026-06-29', to: '2026-07-02' });
    for (const date of ['2026-06-29', '2026-06-30', '2026-07-01', '2026-07-02']) {
      const tenant = (await storedDay(db(), id, date))!;
      for (const dimension of ['client', 'technician', 'priority']) {
        const groups = await storedGroups(db(), id, date, dimension);
        for (const key of ADDITIVE_KEYS) {
          const total = groups.reduce((acc, row) => acc + Number(row[key]), 0);
          expect(total, `${date} ${dimension} ${key}`).toBeCloseTo(Number(tenant[key]), 9);
        }
      }
      const technicians = await storedGroups(db(), id, date, 'technician');
      expect(technicians.reduce((acc, row) => acc + Number(row['active_technicians']), 0)).toBe(tenant['active_technicians']);
      expect(technicians.reduce((acc, row) => acc + Number(row['capacity_hours']), 0)).toBeCloseTo(Number(tenant['capacity_hours']), 9);
    }
    // the fixture does put data in several groups on D (the sums above are not 0 = 0)
    expect((await storedGroups(db(), id, D, 'client')).length).toBe(4);
  });
});

describe('ranges and recomputation', () => {
  const withoutComputedAt = (row: Record<string, unknown>) => {
    const { computed_at: _ignored, ...rest } = row;
    return rest;
  };

  /** Everything stored for the tenant, in a stable order. */
  async function storedRows(id: string) {
    const { rows: days } = await db().query(`SELECT * FROM kpi_daily WHERE tenant_id = $1 ORDER BY kpi_date`, [id]);
    const { rows: groups } = await db().query(
      `SELECT * FROM kpi_daily_breakdown WHERE tenant_id = $1 ORDER BY kpi_date, dimension, group_key NULLS LAST`,
      [id],
    );
    return { days, groups };
  }

  /** Rows left in the range staging tables (migration 003), by any call. */
  async function stagedRowCount(): Promise<number> {
    const { rows } = await db().query<{ n: number }>(
      `SELECT (SELECT count(*) FROM kpi_daily_staging) + (SELECT count(*) FROM kpi_daily_breakdown_staging) AS n`,
    );
    return rows[0]!.n;
  }

  /** Clears what the range stored, computes each of its days alone, and expects the same rows. */
  async function expectSingleDaysToMatch(id: string, fromRange: Awaited<ReturnType<typeof storedRows>>) {
    await db().query('DELETE FROM kpi_daily WHERE tenant_id = $1', [id]);
    await db().query('DELETE FROM kpi_daily_breakdown WHERE tenant_id = $1', [id]);
    for (const row of fromRange.days) await computeDaily(db(), id, { date: row['kpi_date'] as string });
    const fromDays = await storedRows(id);
    expect(fromDays.days.map(withoutComputedAt)).toEqual(fromRange.days.map(withoutComputedAt));
    expect(fromDays.groups.map(withoutComputedAt)).toEqual(fromRange.groups.map(withoutComputedAt));
  }

  it('computing a range stores exactly what computing each day alone stores', async () => {
    const id = await seeded();
    const days = ['2026-06-19', '2026-06-20', '2026-06-30', '2026-07-01', '2026-07-02'];
    await computeDaily(db(), id, { from: days[0]!, to: days.at(-1)! });
    const fromRange = await storedRows(id);
    expect(fromRange.days.length).toBe(14); // 06-19 .. 07-02
    expect(fromRange.groups.length).toBeGreaterThan(10);
    await expectSingleDaysToMatch(id, fromRange);
  });

  it('a long range (computed in two concurrent parts on PostgreSQL) stores exactly what single days store, and leaves nothing staged', async () => {
    const id = await seeded();
    // 40 days around the fixture: long enough for the split (kpi-service.ts), with data on both sides of the middle.
    const from = '2026-06-05';
    const to = '2026-07-14';
    await computeDaily(db(), id, { date: '2026-07-01' }); // something stored before, replaced by the range
    const list = (await computeDaily(db(), id, { from, to })) as KpiDayList;
    expect(list.items.map((day) => day.date)).toEqual(Array.from({ length: 40 }, (_, i) => addDays(from, i)));
    const fromRange = await storedRows(id);
    expect(fromRange.days).toHaveLength(40);
    expect(new Set(fromRange.groups.map((row) => row['kpi_date'])).size).toBeGreaterThan(10);
    expect(await stagedRowCount()).toBe(0);
    await expectSingleDaysToMatch(id, fromRange);
  });

  it('long ranges computed at the same time as each other and as a single day all complete, even on a pool of two connections', async () => {
    const id = await seeded();
    // On PostgreSQL a split range holds one connection while it waits for its staged part, which
    // needs another: with two connections for four calls, a wrong order would wait until the pool's timeout.
    const pool = onPostgres
      ? openPostgres({ connectionString: t.database.url!, applicationName: 'kpi-two-connections', maxConnections: 2 })
      : db();
    try {
      await Promise.all([
        computeDaily(pool, id, { from: '2026-06-05', to: '2026-07-14' }),
        computeDaily(pool, id, { from: '2026-06-01', to: '2026-07-10' }),
        computeDaily(pool, id, { date: D }),
        computeDaily(pool, id, { from: '2026-06-05', to: '2026-07-14' }),
      ]);
    } finally {
      if (pool !== db()) await pool.close();
    }
    const stored = await storedRows(id);
    expect(stored.days.map((row) => row['kpi_date'])).toEqual(Array.from({ length: 44 }, (_, i) => addDays('2026-06-01', i)));
    expect(await stagedRowCount()).toBe(0);
    await expectSingleDaysToMatch(id, stored);
  });

  it('replaces stored values and removes groups that no longer exist when a day is recomputed', async () => {
    const id = await seeded();
    const first = (await computeDaily(db(), id, { date: D })) as KpiDay;
    expect(first.kpis.hours_worked).toBe(8);
    expect((await storedGroups(db(), id, D, 'technician')).map((g) => g['group_key'])).toContain('t3');

    // late corrections: Carol's entry is removed, k3 turns out to have been closed on D, a ticket arrives
    await db().query(`DELETE FROM raw_time_entries WHERE tenant_id = $1 AND external_id = 'e3'`, [id]);
    await insertTickets(db(), id, [
      { ...tickets[2]!, closed: '2026-07-01T18:00:00Z' },
      { id: 'k5', created: '2026-07-01T20:00:00Z', client: 'c9', clientName: 'Newco' },
    ]);
    const second = (await computeDaily(db(), id, { date: D })) as KpiDay;
    expect(second.kpis).toMatchObject({ tickets_opened: 3, tickets_closed: 3, backlog_open: 2, hours_worked: 4, active_technicians: 2 });
    expect(Date.parse(second.computed_at)).toBeGreaterThanOrEqual(Date.parse(first.computed_at));

    const { rows } = await db().query(`SELECT count(*)::int AS n FROM kpi_daily WHERE tenant_id = $1 AND kpi_date = $2`, [id, D]);
    expect(rows[0]!['n']).toBe(1);
    const technicians = (await storedGroups(db(), id, D, 'technician')).map((g) => g['group_key']);
    expect(technicians).not.toContain('t3');
    expect((await storedGroups(db(), id, D, 'client')).map((g) => g['group_key'])).toContain('c9');
  });

  it('never touches days outside the computed range', async () => {
    const id = await seeded();
    await computeDaily(db(), id, { from: '2026-06-30', to: '2026-07-02' });
    const before = await storedDay(db(), id, '2026-06-30');
    await computeDaily(db(), id, { date: D });
    expect(await storedDay(db(), id, '2026-06-30')).toEqual(before);
    expect(KPI_KEYS.length).toBe(32);
  });
});
