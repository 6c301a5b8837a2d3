import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertTickets, newTenant } from '../kpi/helpers.js';

/** GET /internal/reports/daily: the ready-to-send morning report, in the tenant's language or lang=. */

let t: TestApp;
let tenant: string;
const DAY = '2026-11-03';
let kpis: Record<string, number | null>;

const report = (query: string) => t.app.inject({ method: 'GET', url: `/internal/reports/daily?${query}`, headers: t.internalHeaders });

beforeAll(async () => {
  t = await createTestApp({ PUBLIC_BASE_URL: 'https://analytics.example.com/' });
  tenant = await newTenant(t.ctx.db, { name: 'Report <Test> MSP' });
  await insertTickets(t.ctx.db, tenant, [
    { id: 'r1', created: '2026-11-01T09:00:00Z', closed: '2026-11-01T09:30:00Z', responded: '2026-11-01T09:10:00Z' },
    { id: 'r2', created: `${DAY}T08:00:00Z`, closed: `${DAY}T09:00:00Z`, responded: `${DAY}T08:15:00Z` },
    { id: 'r3', created: `${DAY}T09:00:00Z`, responded: `${DAY}T09:20:00Z` },
    { id: 'r4', created: `${DAY}T10:00:00Z` },
  ]);
  const put = await t.app.inject({
    method: 'PUT',
    url: `/internal/tenants/${tenant}/config`,
    headers: t.internalHeaders,
    payload: {
      language: 'fr',
      kpi_targets: { backlog_open: { max: 1 }, sla_response_pct: { min: 90 } },
      report_recipients: ['owner@example.com'],
    },
  });
  expect(put.statusCode).toBe(200);
  const computed = await t.app.inject({
    method: 'POST',
    url: `/internal/kpi/compute-daily?tenant_id=${tenant}&from=2026-10-28&to=${DAY}`,
    headers: t.internalHeaders,
  });
  expect(computed.statusCode).toBe(200);
  kpis = computed.json().items.find((d: { date: string }) => d.date === DAY).kpis;
});
afterAll(() => t.close());

describe('GET /internal/reports/daily', () => {
  it("answers {subject, html, text} in the tenant's language (fr), with the tiles, the trend, the breaches and the dashboard link", async () => {
    const response = await report(`tenant_id=${tenant}&date=${DAY}`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ tenant_id: tenant, date: DAY, language: 'fr', status: 'breached', recipients: ['owner@example.com'] });
    expect(body.subject).toBe('Report <Test> MSP — rapport du support du mardi 3 novembre 2026');
    // The numbers are those of the KPI API, with the French decimal comma.
    expect(body.text).toContain(`Tickets ouverts\u00a0: ${kpis.tickets_opened}`);
    expect(body.text).toContain(`Tickets en cours\u00a0: ${kpis.backlog_open}`);
    expect(body.text).toContain(`Tickets en cours\u00a0: ${kpis.backlog_open} (objectif au plus 1; veille`);
    expect(body.text).toContain('Objectifs manqués');
    expect(body.text).toContain('https://analytics.example.com/dashboard');
    expect(body.html).toContain(`data-kpi="backlog_open">${kpis.backlog_open}<`);
    expect(body.html).toContain('<svg');
    expect(body.html).toContain('Report &lt;Test&gt; MSP');
    expect(body.html).not.toContain('<Test>');
    // Nothing a mail client would block or fetch: no script, no image, no stylesheet, no external source.
    expect(body.html).not.toMatch(/<script|<img|<link|<iframe|src=|url\(/i);
    const links = [...body.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(links).toEqual(['https://analytics.example.com/dashboard']);
  });

  it('lang= overrides the setting; the trend covers the seven days up to the day, a day never computed shows a dash', async () => {
    const body = (await report(`tenant_id=${tenant}&date=${DAY}&lang=en`)).json();
    expect(body.language).toBe('en');
    expect(body.subject).toBe('Report <Test> MSP — service desk report for Tuesday 3 November 2026');
    expect(body.text).toContain('Targets missed:');
    const trend = body.text.split('\n').filter((l: string) => /^ {2}\d{4}-\d{2}-\d{2} /.test(l));
    expect(trend.map((l: string) => l.trim().slice(0, 10))).toEqual([
      '2026-10-28',
      '2026-10-29',
      '2026-10-30',
      '2026-10-31',
      '2026-11-01',
      '2026-11-02',
      DAY,
    ]);
    expect(trend[4]).toContain('opened 1, closed 1');
    expect(trend[6]).toContain(`opened ${kpis.tickets_opened}, closed ${kpis.tickets_closed}`);
    const before = (await report(`tenant_id=${tenant}&date=2026-10-30&lang=en`)).json();
    expect(before.text).toContain('opened 0');
  });

  it('a day never computed is said to be missing, with no tile and no "all good"', async () => {
    const body = (await report(`tenant_id=${tenant}&date=2026-06-01&lang=en`)).json();
    expect(body.status).toBe('missing');
    expect(body.text).toContain('have not been computed yet');
    expect(body.text).not.toContain('Every KPI target was met');
    expect(body.html).not.toContain('data-kpi=');
  });

  it('refuses an unknown language, a bad date and an unknown tenant with problem+json', async () => {
    for (const [query, status] of [
      [`tenant_id=${tenant}&lang=de`, 400],
      [`tenant_id=${tenant}&date=2026-13-01`, 400],
      ['date=2026-11-03', 400],
      ['tenant_id=00000000-0000-4000-8000-000000000000', 404],
    ] as const) {
      const response = await report(query);
      expect(response.statusCode, query).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});
