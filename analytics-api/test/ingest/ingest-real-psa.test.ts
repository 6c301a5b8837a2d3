/**
 * Issue #23 through the real HTTP route and database: native response envelopes, labels and rates
 * pushed alongside the records (and remembered), skipped actions, and what the KPIs make of
 * non-service-desk time, currencies and time entries whose ticket arrives later. Records are
 * written for this project in the shapes real PSA instances return.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDaily, readDaily, type KpiDay } from '../../src/kpi/kpi-service.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const atTicket = (id: number, overrides: Record<string, unknown> = {}) => ({
  id,
  title: 'Outlook keeps asking for the password',
  companyID: 812,
  assignedResourceID: 29682911,
  createDate: '2026-02-10T09:00:00.000Z',
  firstResponseDateTime: '2026-02-10T09:20:00.000Z',
  lastActivityDate: '2026-02-10T11:00:00.000Z',
  priority: 2,
  queueID: 29683354,
  status: 1,
  ...overrides,
});

const atEntry = (id: number, overrides: Record<string, unknown> = {}) => ({
  id,
  ticketID: 41017,
  resourceID: 29682911,
  roleID: 29683360,
  contractID: 29683370,
  billingCodeID: 29683501,
  dateWorked: '2026-02-10T00:00:00Z',
  startDateTime: '2026-02-10T09:30:00Z',
  endDateTime: '2026-02-10T11:30:00Z',
  hoursWorked: 2.0,
  hoursToBill: 2.0,
  isNonBillable: false,
  lastModifiedDateTime: '2026-02-10T11:31:00.000Z',
  ...overrides,
});

const haloListTicket = (id: number) => ({
  id,
  dateoccurred: '2026-02-10T08:00:00.1234567Z',
  summary: 'New starter laptop',
  status_id: 2,
  status_name: 'In Progress',
  priority_id: 3,
  priority_name: 'Medium',
  agent_id: 6,
  agent_name: 'Dana Fox',
  team: '1st Line',
  client_id: 31,
  client_name: 'Contoso Health',
  last_update: '2026-02-10T08:30:00.0000000Z',
});

const haloAction = (ticketId: number, id: number, overrides: Record<string, unknown> = {}) => ({
  ticket_id: ticketId,
  id,
  outcome: 'Rule Applied',
  who: 'System',
  who_agentid: 0,
  datetime: '2026-02-10T08:00:02.1000000Z',
  timetakendays: 0.0,
  timetakenadjusted: -0.0,
  actionchargehours: 0.0,
  chargerate: 0,
  ...overrides,
});

const cwEntry = (id: number, overrides: Record<string, unknown> = {}) => ({
  id,
  company: { id: 40, identifier: 'NorthWind', name: 'Northwind Traders' },
  chargeToId: 5120,
  chargeToType: 'ServiceTicket',
  member: { id: 12, identifier: 'akim', name: 'Alex Kim' },
  workType: { id: 3, name: 'Remote Support', utilizationFlag: true },
  timeStart: '2026-02-10T10:00:00Z',
  timeEnd: '2026-02-10T12:00:00Z',
  actualHours: 2.0,
  billableOption: 'Billable',
  hoursBilled: 2.0,
  hourlyRate: 23900.0,
  currency: { id: 9, symbol: 'kr', currencyCode: 'ISK' },
  _info: { lastUpdated: '2026-02-10T12:01:00Z' },
  ...overrides,
});

describe('ingest of real PSA shapes (issue #23)', () => {
  let t: TestApp;
  const post = (entity: string, tenantId: string, source: string, body: unknown) =>
    t.app.inject({
      method: 'POST',
      url: `/internal/ingest/${entity}?tenant_id=${tenantId}&source=${source}`,
      headers: { ...t.internalHeaders, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const newTenant = async (source: string) =>
    (await createTenant(t.ctx.db, { name: `MSP ${source}`, timezone: 'UTC', source: source as 'autotask' })).id;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('14: accepts the Autotask {"items":[…],"pageDetails":…} page and the single {"item":{…}}', async () => {
    const tenant = await newTenant('autotask');
    const page = await post('tickets', tenant, 'autotask', {
      items: [atTicket(41017), atTicket(41018)],
      pageDetails: { count: 2, requestCount: 500, prevPageUrl: null, nextPageUrl: null },
    });
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json()).toMatchObject({ received: 2, inserted: 2, rejected: 0 });
    const single = await post('tickets', tenant, 'autotask', { item: atTicket(41019) });
    expect(single.statusCode, single.body).toBe(200);
    expect(single.json()).toMatchObject({ received: 1, inserted: 1 });
  });

  it('14: accepts HaloPSA {"record_count":…,"tickets":[…]} and {"actions":[…]}, and refuses a wrapper of the other entity', async () => {
    const tenant = await newTenant('halopsa');
    const tickets = await post('tickets', tenant, 'halopsa', {
      page_no: 1,
      page_size: 50,
      record_count: 1,
      tickets: [haloListTicket(20411)],
    });
    expect(tickets.statusCode, tickets.body).toBe(200);
    expect(tickets.json()).toMatchObject({ received: 1, inserted: 1 });
    const actions = await post('time_entries', tenant, 'halopsa', {
      record_count: 2,
      actions: [
        haloAction(20411, 1),
        haloAction(20411, 2, { who: 'Dana Fox', who_agentid: 6, outcome: 'Remote session', timetakenadjusted: 0.5 }),
      ],
    });
    expect(actions.statusCode, actions.body).toBe(200);
    const wrong = await post('time_entries', tenant, 'halopsa', { record_count: 1, tickets: [haloListTicket(20412)] });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(wrong.json().detail).toMatch(/tickets/);
  });

  it('13: actions that log no time are counted as skipped, not rejected, and the run records them', async () => {
    const tenant = await newTenant('halopsa');
    const res = await post('time_entries', tenant, 'halopsa', [
      haloAction(20411, 1),
      haloAction(20411, 2, { who: 'Dana Fox', who_agentid: 6, outcome: 'Remote session', timetakenadjusted: 0.5 }),
      haloAction(20411, 3, { outcome: 'Email Update', who: 'Dana Fox', who_agentid: 6 }),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ received: 3, inserted: 1, rejected: 0, skipped: 2, errors: [] });
    const run = await t.ctx.db.query<{ skipped: number; rejected: number }>(
      'SELECT skipped, rejected FROM ingestion_runs WHERE tenant_id = $1',
      [tenant],
    );
    expect(run.rows).toEqual([{ skipped: 2, rejected: 0 }]);
  });

  it('7: picklists pushed alongside resolve labels, keep the raw id in the payload, and are remembered for later pushes', async () => {
    const tenant = await newTenant('autotask');
    const picklists = {
      status: { '1': 'New', '5': 'Complete' },
      priority: { '2': 'High' },
      queueID: { '29683354': 'Service Desk' },
      companyID: { '812': 'Fabrikam Ltd' },
      assignedResourceID: { '29682911': 'Robin Shaw' },
    };
    const first = await post('tickets', tenant, 'autotask', { records: [atTicket(41017)], picklists });
    expect(first.statusCode, first.body).toBe(200);
    const later = await post('tickets', tenant, 'autotask', {
      items: [atTicket(41018, { status: 5, completedDate: '2026-02-10T15:00:00Z' })],
    });
    expect(later.statusCode, later.body).toBe(200);
    const rows = await t.ctx.db.query<{
      external_id: string;
      status: string;
      priority: string;
      board: string;
      client_id: string;
      client_name: string;
      technician_name: string;
      raw_status: number;
    }>(
      `SELECT external_id, status, priority, board, client_id, client_name, technician_name, (payload->>'status')::int AS raw_status
         FROM raw_tickets WHERE tenant_id = $1 ORDER BY external_id`,
      [tenant],
    );
    expect(rows.rows).toEqual([
      {
        external_id: '41017',
        status: 'New',
        priority: 'High',
        board: 'Service Desk',
        client_id: '812',
        client_name: 'Fabrikam Ltd',
        technician_name: 'Robin Shaw',
        raw_status: 1,
      },
      {
        external_id: '41018',
        status: 'Complete',
        priority: 'High',
        board: 'Service Desk',
        client_id: '812',
        client_name: 'Fabrikam Ltd',
        technician_name: 'Robin Shaw',
        raw_status: 5,
      },
    ]);
  });

  it('7: a malformed picklists map is refused with a problem that names the field', async () => {
    const tenant = await newTenant('autotask');
    const res = await post('tickets', tenant, 'autotask', { records: [atTicket(41017)], picklists: { status: { '5': 12 } } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().detail).toMatch(/picklists\.status\["5"\]/);
    const count = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_tickets WHERE tenant_id = $1', [tenant]);
    expect(count.rows[0]!.n).toBe(0);
  });

  it('#18-9: Autotask rates pushed alongside give the entries a rate and the day a billable amount', async () => {
    const tenant = await newTenant('autotask');
    const res = await post('time_entries', tenant, 'autotask', {
      records: [atEntry(7301), atEntry(7302, { roleID: 29683361, hoursWorked: 1.0, hoursToBill: 1.0 })],
      rates: { roles: { '29683360': 150, '29683361': 120 }, contract_roles: { '29683370': { '29683360': 135 } } },
    });
    expect(res.statusCode, res.body).toBe(200);
    // Remembered: a later push of the same entry without rates keeps its rate.
    await post('time_entries', tenant, 'autotask', [atEntry(7303, { hoursWorked: 1.0, hoursToBill: 1.0 })]);
    const rates = await t.ctx.db.query<{ external_id: string; hourly_rate: string }>(
      'SELECT external_id, hourly_rate::text FROM raw_time_entries WHERE tenant_id = $1 ORDER BY external_id',
      [tenant],
    );
    expect(rates.rows.map((r) => [r.external_id, Number(r.hourly_rate)])).toEqual([
      ['7301', 135],
      ['7302', 120],
      ['7303', 135],
    ]);
    const day = (await computeDaily(t.ctx.db, tenant, { date: '2026-02-10' })) as KpiDay;
    expect(day.kpis.billable_amount).toBe(2 * 135 + 120 + 135);
  });

  it('4: charge-code time (leave) is stored but counts neither as worked hours nor towards utilization', async () => {
    const tenant = await newTenant('connectwise');
    const res = await post('time_entries', tenant, 'connectwise', [
      cwEntry(1),
      cwEntry(2, {
        chargeToId: 4,
        chargeToType: 'ChargeCode',
        workType: { id: 4, name: 'Unpaid leave', utilizationFlag: false },
        billableOption: 'NoCharge',
        actualHours: 6,
        timeEnd: '2026-02-10T16:00:00Z',
      }),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const stored = await t.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_time_entries WHERE tenant_id = $1', [tenant]);
    expect(stored.rows[0]!.n).toBe(2);
    const day = (await computeDaily(t.ctx.db, tenant, { date: '2026-02-10' })) as KpiDay;
    expect(day.kpis.hours_worked).toBe(2);
    expect(day.kpis.utilization_pct).toBe(25); // 2 of 8 hours, not 8 of 8
  });

  it('5: the currency the entries carry is shown with the amounts, and none when they disagree', async () => {
    const tenant = await newTenant('connectwise');
    await post('time_entries', tenant, 'connectwise', [cwEntry(1)]);
    await computeDaily(t.ctx.db, tenant, { date: '2026-02-10' });
    const day = (await readDaily(t.ctx.db, tenant, { date: '2026-02-10' })) as KpiDay;
    expect(day.kpis.effective_hourly_rate).toBe(23900);
    expect(day.currency).toBe('ISK');
    await post('time_entries', tenant, 'connectwise', [cwEntry(2, { currency: { id: 7, currencyCode: 'USD' }, hourlyRate: 150 })]);
    const mixed = (await readDaily(t.ctx.db, tenant, { date: '2026-02-10' })) as KpiDay;
    expect(mixed.currency).toBeNull();
  });

  it("5: the tenant's configured currency wins over the one its entries carry", async () => {
    const tenant = await newTenant('connectwise');
    await post('time_entries', tenant, 'connectwise', [cwEntry(1)]);
    await computeDaily(t.ctx.db, tenant, { date: '2026-02-10' });
    const put = await t.app.inject({
      method: 'PUT',
      url: `/internal/tenants/${tenant}/config`,
      headers: t.internalHeaders,
      payload: { currency: 'EUR' },
    });
    expect(put.statusCode).toBe(200);
    const day = (await readDaily(t.ctx.db, tenant, { date: '2026-02-10' })) as KpiDay;
    expect(day.currency).toBe('EUR');
  });

  it("10: a time entry whose ticket arrives later gets the ticket's client when the day is computed again", async () => {
    const tenant = await newTenant('autotask');
    await post('time_entries', tenant, 'autotask', [atEntry(7301)]);
    await computeDaily(t.ctx.db, tenant, { date: '2026-02-10' });
    const before = (await readDaily(t.ctx.db, tenant, { date: '2026-02-10' }, 'client')) as KpiDay;
    expect(before.groups!.map((g) => [g.key, g.kpis.hours_worked])).toEqual([[null, 2]]);
    await post('tickets', tenant, 'autotask', { records: [atTicket(41017)], picklists: { companyID: { '812': 'Fabrikam Ltd' } } });
    await computeDaily(t.ctx.db, tenant, { date: '2026-02-10' });
    const after = (await readDaily(t.ctx.db, tenant, { date: '2026-02-10' }, 'client')) as KpiDay;
    const entryGroup = after.groups!.find((g) => (g.kpis.hours_worked ?? 0) > 0)!;
    expect([entryGroup.key, entryGroup.label, entryGroup.kpis.hours_worked]).toEqual(['812', 'Fabrikam Ltd', 2]);
  });
});
