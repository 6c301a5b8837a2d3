import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDaily, type KpiDay, type KpiDayList } from '../../src/kpi/kpi-service.js';
import { seedMockTenants } from '../../src/tenants/tenant-service.js';
import { createTestApp, MOCK_DATA_PATH, type TestApp } from '../helpers/test-app.js';

/**
 * The committed mock data looks like an MSP through the KPIs themselves (#21 point 16): on days
 * outside the tenants' workdays (Monday to Friday) one on-call technician handles a few urgent
 * tickets, so a weekend closes and logs a small fraction of a weekday, while the plan's test date
 * 2026-01-24, a Saturday, still has activity in every KPI family.
 */
const tenants = JSON.parse(readFileSync(join(MOCK_DATA_PATH, 'tenants.json'), 'utf8')) as { id: string; source: string }[];
const FROM = '2026-01-05';
const TO = '2026-01-31';
const isWeekend = (date: string) => [0, 6].includes(new Date(`${date}T12:00:00Z`).getUTCDay());
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

let t: TestApp;
const days = new Map<string, KpiDay[]>();

beforeAll(async () => {
  t = await createTestApp();
  await seedMockTenants(t.ctx.db, MOCK_DATA_PATH);
  for (const tenant of tenants) {
    for (const entity of ['tickets', 'time_entries']) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/internal/ingest/${entity}?tenant_id=${tenant.id}`,
        headers: t.internalHeaders,
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const list = (await computeDaily(t.ctx.db, tenant.id, { from: FROM, to: TO })) as KpiDayList;
    days.set(tenant.id, list.items);
  }
}, 300_000);
afterAll(() => t?.close());

describe.each(tenants.map((tenant) => [tenant.source, tenant.id] as const))('%s mock tenant', (_source, tenantId) => {
  const split = () => {
    const items = days.get(tenantId)!;
    return { weekdays: items.filter((d) => !isWeekend(d.date)), weekends: items.filter((d) => isWeekend(d.date)) };
  };

  it('closes and logs on a weekend day a small fraction of a weekday, with one on-call technician', () => {
    const { weekdays, weekends } = split();
    expect(weekends.length).toBe(7);
    const closed = (list: KpiDay[]) => mean(list.map((d) => d.kpis.tickets_closed as number));
    const hours = (list: KpiDay[]) => mean(list.map((d) => d.kpis.hours_worked as number));
    expect(closed(weekends)).toBeLessThan(0.25 * closed(weekdays));
    expect(hours(weekends)).toBeLessThan(0.15 * hours(weekdays));
    for (const day of weekends) expect(day.kpis.active_technicians, day.date).toBe(1);
    for (const day of weekdays) expect(day.kpis.active_technicians as number, day.date).toBeGreaterThanOrEqual(5);
  });

  it('has activity in every KPI family on Saturday 2026-01-24', () => {
    const kpis = days.get(tenantId)!.find((d) => d.date === '2026-01-24')!.kpis as Record<string, number | null>;
    const families: Record<string, number | null> = {
      opened: kpis.tickets_opened!,
      closed: kpis.tickets_closed!,
      backlog: kpis.backlog_open!,
      'first response': kpis.first_response_count!,
      resolution: kpis.resolution_median_hours!,
      SLA: kpis.sla_response_met! + kpis.sla_response_breached! + kpis.sla_resolution_met! + kpis.sla_resolution_breached!,
      'billable hours': kpis.hours_billable!,
      utilization: kpis.utilization_pct!,
    };
    for (const [family, value] of Object.entries(families)) expect(value ?? 0, family).toBeGreaterThan(0);
  });
});
