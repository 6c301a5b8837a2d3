import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { currentFile, readCsv } from '../exports/helpers.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Records marked deleted (by a PSA's deleted-records feed or a full sync) leave KPIs and exports.

describe('deleted records', () => {
  let t: TestApp;
  let tenantId: string;

  beforeAll(async () => {
    t = await createTestApp();
    tenantId = (await createTenant(t.ctx.db, { name: 'Deletes', timezone: 'UTC' })).id;
    const push = (entity: string, records: unknown[]) =>
      t.app.inject({
        method: 'POST',
        url: `/internal/ingest/${entity}?tenant_id=${tenantId}`,
        headers: t.internalHeaders,
        payload: records as object,
      });
    await push(
      'tickets',
      ['k1', 'k2', 'gone'].map((id) => ({ external_id: id, created_at: '2026-01-24T09:00:00Z', closed_at: '2026-01-24T11:00:00Z' })),
    );
    await push(
      'time_entries',
      ['e1', 'egone'].map((id) => ({ external_id: id, technician_id: 'amy', hours_worked: 2, billable: true, work_date: '2026-01-24' })),
    );
    await t.ctx.db.query(`UPDATE raw_tickets SET deleted_at = now() WHERE tenant_id = $1 AND external_id = 'gone'`, [tenantId]);
    await t.ctx.db.query(`UPDATE raw_time_entries SET deleted_at = now() WHERE tenant_id = $1 AND external_id = 'egone'`, [tenantId]);
  });
  afterAll(() => t.close());

  it('are not counted by the daily KPIs', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/internal/kpi/compute-daily?tenant_id=${tenantId}&date=2026-01-24`,
      headers: t.internalHeaders,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().kpis).toMatchObject({ tickets_opened: 2, tickets_closed: 2, hours_worked: 2 });
  });

  it('are not exported', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/internal/exports/generate?tenant_id=${tenantId}&format=csv`,
      headers: t.internalHeaders,
    });
    expect(res.statusCode).toBe(201);
    const tickets = JSON.stringify(readCsv(currentFile(t.config.exportsPath, tenantId, 'fact_tickets.csv')));
    const entries = JSON.stringify(readCsv(currentFile(t.config.exportsPath, tenantId, 'fact_time_entries.csv')));
    expect(tickets).toContain('k1');
    expect(tickets).not.toContain('gone');
    expect(entries).toContain('e1');
    expect(entries).not.toContain('egone');
  });

  it('come back when the record is ingested again with a change', async () => {
    await t.app.inject({
      method: 'POST',
      url: `/internal/ingest/tickets?tenant_id=${tenantId}`,
      headers: t.internalHeaders,
      payload: [{ external_id: 'gone', created_at: '2026-01-24T09:00:00Z', summary: 'restored' }],
    });
    const { rows } = await t.ctx.db.query<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM raw_tickets WHERE tenant_id = $1 AND external_id = 'gone'`,
      [tenantId],
    );
    expect(rows[0]!.deleted_at).toBeNull();
  });
});
