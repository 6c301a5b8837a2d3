import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPendingRecomputes } from '../../src/tenant-config/recompute.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertTickets, newTenant } from '../kpi/helpers.js';

/**
 * GET /internal/alerts and POST /internal/alerts/{id}/notified on a real database: breaches from
 * computed days and stored targets, missing and stale days, deliveries recorded once.
 */

let t: TestApp;
let tenant: string;
const D1 = '2026-11-02';
const D2 = '2026-11-03';

const get = (query: string) => t.app.inject({ method: 'GET', url: `/internal/alerts?${query}`, headers: t.internalHeaders });
const notified = (id: string, body: object) =>
  t.app.inject({ method: 'POST', url: `/internal/alerts/${encodeURIComponent(id)}/notified`, headers: t.internalHeaders, payload: body });
const putConfig = (id: string, body: object) =>
  t.app.inject({ method: 'PUT', url: `/internal/tenants/${id}/config`, headers: t.internalHeaders, payload: body });
const compute = (id: string, from: string, to: string) =>
  t.app.inject({ method: 'POST', url: `/internal/kpi/compute-daily?tenant_id=${id}&from=${from}&to=${to}`, headers: t.internalHeaders });

const TARGETS = {
  kpi_targets: {
    tickets_opened: { min: 3 },
    tickets_closed: { max: 1 },
    first_response_median_minutes: { max: 30 },
    backlog_open: { max: 100 },
  },
  alert_recipients: ['desk@example.com'],
  alert_webhook_url: 'https://hooks.example.com/services/T0/B0/x',
  language: 'en',
};

beforeAll(async () => {
  t = await createTestApp();
  tenant = await newTenant(t.ctx.db, { name: 'Alerts Test MSP' });
  // Day 1: 3 opened, 1 closed (target met); day 2: 2 opened (< 3), 2 closed (> 1). No response recorded: the
  // first-response median is null both days.
  await insertTickets(t.ctx.db, tenant, [
    { id: 'a1', created: `${D1}T09:00:00Z`, closed: `${D1}T15:00:00Z` },
    { id: 'a2', created: `${D1}T10:00:00Z` },
    { id: 'a3', created: `${D1}T11:00:00Z` },
    { id: 'a4', created: `${D2}T09:00:00Z`, closed: `${D2}T12:00:00Z` },
    { id: 'a5', created: `${D2}T10:00:00Z`, closed: `${D2}T16:00:00Z` },
  ]);
  expect((await putConfig(tenant, TARGETS)).statusCode).toBe(200);
  expect((await compute(tenant, D1, D2)).statusCode).toBe(200);
});
afterAll(() => t.close());

describe('GET /internal/alerts', () => {
  it('answers one item per breach with value, target, previous value and a stable id; nulls have no verdict', async () => {
    const response = await get(`date=${D2}&tenant_id=${tenant}`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.items.map((i: { kpi: string }) => i.kpi)).toEqual(['tickets_opened', 'tickets_closed']);
    expect(body.items[0]).toMatchObject({
      tenant_id: tenant,
      tenant_name: 'Alerts Test MSP',
      date: D2,
      value: 2,
      target: { min: 3 },
      comparison: 'below_min',
      previous_value: 3,
      notified: false,
      notifications: [],
    });
    expect(body.items[1]).toMatchObject({ value: 2, target: { max: 1 }, comparison: 'above_max', previous_value: 1 });
    expect(body.tenants).toHaveLength(1);
    expect(body.tenants[0]).toMatchObject({ status: 'breached', breaches: 2, no_verdict: ['first_response_median_minutes'] });
    const [email, webhook] = body.deliveries;
    expect(body.deliveries).toHaveLength(2);
    expect(email).toMatchObject({ tenant_id: tenant, date: D2, channel: 'email', to: 'desk@example.com' });
    expect(email.subject).toContain('2 KPI targets missed');
    expect(email.text).toContain('Tickets opened: 2 (target at least 3; previous day 3)');
    expect(webhook).toMatchObject({ channel: 'webhook', url: TARGETS.alert_webhook_url });
    expect(webhook.body).toMatchObject({ '@type': 'MessageCard', title: email.subject });
    expect(webhook.body.text).toContain('Tickets closed: 2 (target at most 1; previous day 1)');
    expect(email.alerts).toEqual(body.items.map((i: { alert_id: string }) => ({ alert_id: i.alert_id, channel: 'email' })));
    // Asked again: the same ids.
    expect((await get(`date=${D2}&tenant_id=${tenant}`)).json().items.map((i: { alert_id: string }) => i.alert_id)).toEqual(
      body.items.map((i: { alert_id: string }) => i.alert_id),
    );
  });

  it('a day that meets every target with a value is ok; a day never computed is missing, never ok', async () => {
    const day1 = (await get(`date=${D1}&tenant_id=${tenant}`)).json();
    expect(day1.items).toEqual([]);
    expect(day1.tenants[0]).toMatchObject({ status: 'ok' });
    expect(day1.deliveries).toEqual([]);
    const missing = (await get(`date=2026-10-01&tenant_id=${tenant}`)).json();
    expect(missing.items).toEqual([]);
    expect(missing.tenants[0]).toMatchObject({ status: 'missing', breaches: 0 });
    expect(missing.deliveries).toEqual([]);
    expect(missing.tenants[0].detail).toContain('not been computed');
  });

  it('without tenant_id it covers every active tenant; a tenant without targets says so', async () => {
    const other = await newTenant(t.ctx.db);
    await compute(other, D2, D2);
    const body = (await get(`date=${D2}`)).json();
    const statuses = Object.fromEntries(body.tenants.map((x: { tenant_id: string; status: string }) => [x.tenant_id, x.status]));
    expect(statuses[tenant]).toBe('breached');
    expect(statuses[other]).toBe('no_targets');
  });

  it('refuses a bad date and an unknown tenant with problem+json', async () => {
    for (const [query, status] of [
      ['date=2026-02-30', 400],
      ['date=yesterday', 400],
      [`tenant_id=not-a-uuid`, 400],
      ['tenant_id=00000000-0000-4000-8000-000000000000', 404],
      ['colour=blue', 400],
    ] as const) {
      const response = await get(query);
      expect(response.statusCode, query).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('POST /internal/alerts/{alert_id}/notified', () => {
  it('records a delivery per channel once; the next GET has nothing left to send on that channel', async () => {
    const { items } = (await get(`date=${D2}&tenant_id=${tenant}`)).json();
    const first = await notified(items[0].alert_id, { channel: 'email', notified_at: '2026-11-04T06:00:00Z' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      alert_id: items[0].alert_id,
      tenant_id: tenant,
      date: D2,
      kpi: 'tickets_opened',
      channel: 'email',
      created: true,
    });
    const again = await notified(items[0].alert_id, { channel: 'email', notified_at: '2026-11-04T07:00:00Z' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, notified_at: '2026-11-04T06:00:00.000Z' });

    const after = (await get(`date=${D2}&tenant_id=${tenant}`)).json();
    expect(after.items[0].notifications).toEqual([{ channel: 'email', notified_at: '2026-11-04T06:00:00.000Z' }]);
    expect(after.items[0].notified).toBe(false); // the webhook is configured too and not yet posted
    const ids = (channel: string) =>
      after.deliveries.find((d: { channel: string }) => d.channel === channel).alerts.map((a: { alert_id: string }) => a.alert_id);
    expect(ids('email')).toEqual([items[1].alert_id]);
    expect(ids('webhook')).toEqual([items[0].alert_id, items[1].alert_id]);

    for (const item of items) {
      await notified(item.alert_id, { channel: 'email' });
      await notified(item.alert_id, { channel: 'webhook' });
    }
    const done = (await get(`date=${D2}&tenant_id=${tenant}`)).json();
    expect(done.items.every((i: { notified: boolean }) => i.notified)).toBe(true);
    expect(done.tenants[0]).toMatchObject({ status: 'breached' });
    expect(done.deliveries).toEqual([]);
  });

  it('refuses a malformed id, an unknown channel and an id that is no current breach', async () => {
    const { items } = (await get(`date=${D2}&tenant_id=${tenant}`)).json();
    const cases: [string, object, number][] = [
      ['not-an-alert', { channel: 'email' }, 400],
      [items[0].alert_id, { channel: 'pigeon' }, 400],
      [items[0].alert_id, {}, 400],
      [items[0].alert_id, { channel: 'email', notified_at: 'soon' }, 400],
      [`${D2}.tickets_opened.0123456789abcdef`, { channel: 'email' }, 404],
      [`${D1}.tickets_opened.0123456789abcdef`, { channel: 'email' }, 404],
    ];
    for (const [id, body, status] of cases) {
      const response = await notified(id, body);
      expect(response.statusCode, `${id} ${JSON.stringify(body)}`).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('stale days and changed targets', () => {
  it('a changed target applies at once and is a new alert; a day computed with an older configuration is stale and not evaluated', async () => {
    const before = (await get(`date=${D2}&tenant_id=${tenant}`)).json().items.map((i: { alert_id: string }) => i.alert_id);
    const newTargets = { ...TARGETS, kpi_targets: { ...TARGETS.kpi_targets, tickets_opened: { min: 4 } } };
    expect((await putConfig(tenant, newTargets)).statusCode).toBe(200);
    // A target changes no stored value: the days stay current and are judged by the new target.
    const current = (await get(`date=${D2}&tenant_id=${tenant}`)).json();
    expect(current.tenants[0].status).toBe('breached');
    const ids = current.items.map((i: { alert_id: string }) => i.alert_id);
    expect(ids[0]).not.toBe(before[0]); // new target → new breach, to be sent
    expect(ids[1]).toBe(before[1]); // same target → already sent
    expect(current.deliveries.find((d: { channel: string }) => d.channel === 'email').alerts).toEqual([
      { alert_id: ids[0], channel: 'email' },
    ]);

    // The daily capacity is read by the KPIs: the stored days are stale until recomputed.
    expect((await putConfig(tenant, { ...newTargets, daily_capacity_hours: 7 })).statusCode).toBe(200);
    const stale = (await get(`date=${D2}&tenant_id=${tenant}`)).json();
    expect(stale.items).toEqual([]);
    expect(stale.tenants[0]).toMatchObject({ status: 'stale', breaches: 0 });
    expect(stale.deliveries).toEqual([]);

    await runPendingRecomputes(t.ctx.db, { owner: 'alerts-test', readCache: t.ctx.readCache });
    const recomputed = (await get(`date=${D2}&tenant_id=${tenant}`)).json();
    expect(recomputed.tenants[0].status).toBe('breached');
    expect(recomputed.items.map((i: { alert_id: string }) => i.alert_id)).toEqual(ids); // same values, same targets
  });
});
