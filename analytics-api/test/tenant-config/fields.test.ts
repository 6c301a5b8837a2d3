import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertEntries, insertTickets, newTenant } from '../kpi/helpers.js';
import { computeDay, configure, groupsOf, setBoard, setWorkType } from './helpers.js';

/**
 * One test per field of kpis.md "Per-tenant configuration": the number before the change (the
 * defaults) and after it, each worked out in the comments from the spec, not from the code.
 * 2026-01-14 is a Wednesday (ISO 3), 2026-01-16 a Friday, 2026-01-17 a Saturday, 2026-01-19 a Monday.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());
const db = () => t.ctx.db;

/** Two technicians on 2026-01-14: t1 logs 2 h billable + 1 h not, t2 logs 4 h billable. */
async function twoTechnicians(id: string, date = '2026-01-14'): Promise<void> {
  await insertEntries(db(), id, [
    { id: `${date}-e1`, tech: 't1', hours: 2, billable: true, workDate: date },
    { id: `${date}-e2`, tech: 't1', hours: 1, billable: false, workDate: date },
    { id: `${date}-e3`, tech: 't2', hours: 4, billable: true, workDate: date },
  ]);
}

describe('per-tenant configuration, field by field', () => {
  it('timezone: a ticket created 23:30 UTC moves to the next local day in Paris, and the tenant row follows', async () => {
    const id = await newTenant(db());
    await insertTickets(db(), id, [{ id: 'A', created: '2026-01-14T23:30:00Z' }]);
    expect((await computeDay(db(), id, '2026-01-14')).kpis.tickets_opened).toBe(1); // UTC: 01-14
    await configure(db(), id, { timezone: 'Europe/Paris' });
    // Paris is UTC+1 in January: 23:30 UTC = 00:30 on 01-15.
    expect((await computeDay(db(), id, '2026-01-14')).kpis.tickets_opened).toBe(0);
    const next = await computeDay(db(), id, '2026-01-15');
    expect(next.kpis.tickets_opened).toBe(1);
    expect(next.timezone).toBe('Europe/Paris');
    const tenants = await t.app.inject({ method: 'GET', url: '/internal/tenants', headers: t.internalHeaders });
    expect(tenants.json().find((row: { id: string }) => row.id === id).timezone).toBe('Europe/Paris');
  });

  it('daily_capacity_hours: 2 technicians × 8 h = 16 → × 6 h = 12; utilization 6/16 = 37.5 % → 6/12 = 50 %', async () => {
    const id = await newTenant(db());
    await twoTechnicians(id);
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({ capacity_hours: 16, utilization_pct: 37.5 });
    await configure(db(), id, { daily_capacity_hours: 6 });
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({ capacity_hours: 12, utilization_pct: 50 });
  });

  it('technician_capacity_hours: t1 at 4 h → tenant 4 + 8 = 12 h; t1 2/4 = 50 %, t2 4/8 = 50 %', async () => {
    const id = await newTenant(db());
    await twoTechnicians(id);
    await computeDay(db(), id, '2026-01-14');
    let groups = await groupsOf(db(), id, '2026-01-14', 'technician');
    expect(groups.get('t1')).toMatchObject({ capacity_hours: 8, utilization_pct: 25 }); // 2 / 8
    await configure(db(), id, { technician_capacity_hours: { t1: 4 } });
    const day = await computeDay(db(), id, '2026-01-14');
    expect(day.kpis).toMatchObject({ capacity_hours: 12, utilization_pct: 50 }); // 6 / 12
    groups = await groupsOf(db(), id, '2026-01-14', 'technician');
    expect(groups.get('t1')).toMatchObject({ capacity_hours: 4, utilization_pct: 50 });
    expect(groups.get('t2')).toMatchObject({ capacity_hours: 8, utilization_pct: 50 });
  });

  it('workdays: Monday to Friday → Saturday has 0 capacity and no utilization; Wednesday keeps 16 h', async () => {
    const id = await newTenant(db());
    await twoTechnicians(id, '2026-01-14');
    await twoTechnicians(id, '2026-01-17');
    expect((await computeDay(db(), id, '2026-01-17')).kpis).toMatchObject({ capacity_hours: 16, utilization_pct: 37.5 });
    await configure(db(), id, { workdays: [1, 2, 3, 4, 5] });
    expect((await computeDay(db(), id, '2026-01-17')).kpis).toMatchObject({ capacity_hours: 0, utilization_pct: null, hours_worked: 7 });
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({ capacity_hours: 16, utilization_pct: 37.5 });
  });

  it('holidays: 2026-01-14 as a holiday → 0 capacity, utilization null; hours still counted', async () => {
    const id = await newTenant(db());
    await twoTechnicians(id);
    await configure(db(), id, { holidays: ['2026-01-14'] });
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({
      capacity_hours: 0,
      utilization_pct: null,
      hours_worked: 7,
      active_technicians: 2,
    });
    const groups = await groupsOf(db(), id, '2026-01-14', 'technician');
    expect(groups.get('t1')).toMatchObject({ capacity_hours: 0, utilization_pct: null });
  });

  it('priority_map: "1 - Critical" and "Critical" become one P1 group of 2 tickets; linked time follows', async () => {
    const id = await newTenant(db());
    await insertTickets(db(), id, [
      { id: 'A', created: '2026-01-14T09:00:00Z', priority: '1 - Critical' },
      { id: 'B', created: '2026-01-14T10:00:00Z', priority: 'Critical' },
      { id: 'C', created: '2026-01-14T11:00:00Z', priority: '3 - Low' },
    ]);
    await insertEntries(db(), id, [{ id: 'E', tech: 't1', hours: 1.5, billable: true, workDate: '2026-01-14', ticket: 'A' }]);
    await computeDay(db(), id, '2026-01-14');
    let groups = await groupsOf(db(), id, '2026-01-14', 'priority');
    expect([...groups.keys()].sort()).toEqual(['1 - Critical', '3 - Low', 'Critical']);
    await configure(db(), id, { priority_map: { '1 - Critical': 'P1', Critical: 'P1' } });
    await computeDay(db(), id, '2026-01-14');
    groups = await groupsOf(db(), id, '2026-01-14', 'priority');
    expect([...groups.keys()].sort()).toEqual(['3 - Low', 'P1']); // unmapped labels stay as they are
    expect(groups.get('P1')).toMatchObject({ tickets_opened: 2, hours_worked: 1.5 });
    expect(groups.get('3 - Low')).toMatchObject({ tickets_opened: 1, hours_worked: 0 });
  });

  it('sla_targets (wall clock): P1 responds within 60 min, resolves within 4 h', async () => {
    const id = await newTenant(db());
    await insertTickets(db(), id, [
      // A: response after 45 min (met), closed after 5 h (breached)
      { id: 'A', created: '2026-01-14T10:00:00Z', responded: '2026-01-14T10:45:00Z', closed: '2026-01-14T15:00:00Z', priority: 'P1' },
      // B: response after 90 min (breached), closed after 3 h (met)
      { id: 'B', created: '2026-01-14T10:00:00Z', responded: '2026-01-14T11:30:00Z', closed: '2026-01-14T13:00:00Z', priority: 'P1' },
      // C: P3 has no target: no verdict
      { id: 'C', created: '2026-01-14T10:00:00Z', responded: '2026-01-14T23:00:00Z', closed: '2026-01-14T23:30:00Z', priority: 'P3' },
    ]);
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({
      sla_response_met: 0,
      sla_response_breached: 0,
      sla_response_pct: null,
      sla_resolution_pct: null,
    });
    await configure(db(), id, { sla_targets: { P1: { response_minutes: 60, resolution_hours: 4 } } });
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({
      sla_response_met: 1,
      sla_response_breached: 1,
      sla_response_pct: 50,
      sla_resolution_met: 1,
      sla_resolution_breached: 1,
      sla_resolution_pct: 50,
    });
  });

  it('business_hours: Fri 17:00 + 120 business minutes (Mon–Fri 09–18 UTC) is due Mon 10:00, so a Mon 09:30 response is met', async () => {
    const id = await newTenant(db());
    await insertTickets(db(), id, [{ id: 'A', created: '2026-01-16T17:00:00Z', responded: '2026-01-19T09:30:00Z', priority: 'P2' }]);
    await configure(db(), id, { sla_targets: { P2: { response_minutes: 120 } } });
    // Wall clock: due Fri 19:00, answered Mon 09:30 → breached.
    expect((await computeDay(db(), id, '2026-01-19')).kpis).toMatchObject({ sla_response_met: 0, sla_response_breached: 1 });
    const weekdays = Object.fromEntries([1, 2, 3, 4, 5].map((d) => [String(d), ['09:00', '18:00']]));
    await configure(db(), id, { sla_targets: { P2: { response_minutes: 120 } }, business_hours: weekdays });
    // Business time: Fri 17:00–18:00 = 60 min, the weekend does not count, Mon 09:00 + 60 min = 10:00 → met.
    expect((await computeDay(db(), id, '2026-01-19')).kpis).toMatchObject({
      sla_response_met: 1,
      sla_response_breached: 0,
      sla_response_pct: 100,
    });
  });

  it('sla_source: psa_first keeps the source verdict and due instant; config_only uses only the target', async () => {
    const id = await newTenant(db());
    await insertTickets(db(), id, [
      // A: the PSA says breached; the 60-min target says met (30 min).
      { id: 'A', created: '2026-01-14T10:00:00Z', responded: '2026-01-14T10:30:00Z', priority: 'P1', responseMet: false },
      // B: the PSA's due instant (10:15) says breached; the target says met (40 min).
      { id: 'B', created: '2026-01-14T10:00:00Z', responded: '2026-01-14T10:40:00Z', priority: 'P1', responseDue: '2026-01-14T10:15:00Z' },
      // C: nothing from the PSA; the target says breached (70 min).
      { id: 'C', created: '2026-01-14T10:00:00Z', responded: '2026-01-14T11:10:00Z', priority: 'P1' },
    ]);
    const targets = { P1: { response_minutes: 60 } };
    await configure(db(), id, { sla_targets: targets });
    // psa_first: A breached (source), B breached (source due), C breached (target) → 0 met, 3 breached.
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({
      sla_response_met: 0,
      sla_response_breached: 3,
      sla_response_pct: 0,
    });
    await configure(db(), id, { sla_targets: targets, sla_source: 'config_only' });
    // config_only: A met, B met, C breached → 2 of 3 = 66.67 %.
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({
      sla_response_met: 2,
      sla_response_breached: 1,
      sla_response_pct: 66.67,
    });
  });

  it('excluded: boards, client_ids and work_types leave every KPI (tickets, backlog, hours, breakdowns)', async () => {
    const id = await newTenant(db());
    await insertTickets(db(), id, [
      { id: 'A', created: '2026-01-14T09:00:00Z', client: 'c1' },
      { id: 'B', created: '2026-01-14T09:00:00Z', client: 'c1' }, // board Internal
      { id: 'C', created: '2026-01-14T09:00:00Z', client: 'c-int' }, // excluded client
    ]);
    await setBoard(db(), id, 'B', 'Internal');
    await insertEntries(db(), id, [
      { id: 'E1', tech: 't1', hours: 1, billable: true, workDate: '2026-01-14', client: 'c1' },
      { id: 'E2', tech: 't1', hours: 2, billable: true, workDate: '2026-01-14', client: 'c1' }, // work type Admin
      { id: 'E3', tech: 't2', hours: 3, billable: true, workDate: '2026-01-14', client: 'c-int' }, // excluded client
      { id: 'E4', tech: 't2', hours: 4, billable: true, workDate: '2026-01-14', ticket: 'C' }, // client from ticket C
    ]);
    await setWorkType(db(), id, 'E2', 'Admin');
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({
      tickets_opened: 3,
      backlog_open: 3,
      hours_worked: 10,
      active_technicians: 2,
    });
    await configure(db(), id, { excluded: { boards: ['Internal'], client_ids: ['c-int'], work_types: ['Admin'] } });
    // Left: ticket A, entry E1 (1 h, t1).
    expect((await computeDay(db(), id, '2026-01-14')).kpis).toMatchObject({
      tickets_opened: 1,
      backlog_open: 1,
      hours_worked: 1,
      active_technicians: 1,
      capacity_hours: 8,
    });
    const clients = await groupsOf(db(), id, '2026-01-14', 'client');
    expect([...clients.keys()]).toEqual(['c1']);
    // They stay stored.
    const { rows } = await db().query('SELECT count(*)::int AS n FROM raw_time_entries WHERE tenant_id = $1', [id]);
    expect(rows[0]).toEqual({ n: 4 });
  });

  it('kpi_targets (and currency, language, recipients, webhook) never change a value', async () => {
    const id = await newTenant(db());
    await twoTechnicians(id);
    await insertTickets(db(), id, [{ id: 'A', created: '2026-01-14T09:00:00Z', closed: '2026-01-14T12:00:00Z', priority: 'P1' }]);
    const before = await computeDay(db(), id, '2026-01-14');
    await configure(db(), id, {
      kpi_targets: { utilization_pct: { min: 70 }, backlog_open: { max: 0 } },
      currency: 'EUR',
      language: 'fr',
      report_recipients: ['boss@example.com'],
      alert_recipients: ['noc@example.com'],
      alert_webhook_url: 'https://hooks.example.com/msp',
    });
    const after = await computeDay(db(), id, '2026-01-14');
    expect(after.kpis).toEqual(before.kpis);
    expect(after.config_version).toBe(1);
  });

  it('the defaults ({} as the whole document) reproduce the fixed definitions exactly', async () => {
    const id = await newTenant(db(), { timezone: 'America/New_York', capacity: 7.5 });
    await twoTechnicians(id);
    await insertTickets(db(), id, [
      {
        id: 'A',
        created: '2026-01-14T15:00:00Z',
        responded: '2026-01-14T15:20:00Z',
        closed: '2026-01-14T20:00:00Z',
        priority: 'P1',
        responseDue: '2026-01-14T15:30:00Z',
        resolutionMet: false,
      },
    ]);
    const before = await computeDay(db(), id, '2026-01-14');
    await configure(db(), id, { timezone: 'America/New_York', daily_capacity_hours: 7.5 });
    const after = await computeDay(db(), id, '2026-01-14');
    expect(after.kpis).toEqual(before.kpis);
    expect(before.kpis).toMatchObject({ capacity_hours: 15, sla_response_met: 1, sla_resolution_breached: 1 });
  });
});
