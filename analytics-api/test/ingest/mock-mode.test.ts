import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, seedMockTenants } from '../../src/tenants/tenant-service.js';
import { createTestApp, DEMO_TENANT_ID, MOCK_DATA_PATH, type TestApp } from '../helpers/test-app.js';

interface MockTenant {
  id: string;
  source: string;
}

const mockTenants = JSON.parse(readFileSync(join(MOCK_DATA_PATH, 'tenants.json'), 'utf8')) as MockTenant[];

function recordsInFile(tenantId: string, entity: string): number {
  return (JSON.parse(readFileSync(join(MOCK_DATA_PATH, tenantId, `${entity}.json`), 'utf8')) as unknown[]).length;
}

// The deployment plan's calls 3 and 4, for every mock tenant (one per PSA format).
describe('mock mode: POST /internal/ingest/* without a body', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await seedMockTenants(t.ctx.db, MOCK_DATA_PATH);
  });
  afterAll(() => t.close());

  const ingest = (entity: string, tenantId: string, query = '') =>
    t.app.inject({ method: 'POST', url: `/internal/ingest/${entity}?tenant_id=${tenantId}${query}`, headers: t.internalHeaders });

  it('covers the three PSA formats', () => {
    expect(new Set(mockTenants.map((m) => m.source))).toEqual(new Set(['connectwise', 'autotask', 'halopsa']));
  });

  for (const tenant of mockTenants) {
    for (const entity of ['tickets', 'time_entries']) {
      it(`${tenant.source} ${entity}: every record accounted for, a second call changes nothing`, async () => {
        const total = recordsInFile(tenant.id, entity);
        const first = await ingest(entity, tenant.id);
        expect(first.statusCode, first.body).toBe(200);
        const summary = first.json();
        expect(summary).toMatchObject({ tenant_id: tenant.id, entity, source: tenant.source, mode: 'mock', received: total });
        expect(summary.inserted + summary.updated + summary.unchanged + summary.rejected).toBe(total);
        expect(summary.inserted).toBeGreaterThan(0);
        // The mock set carries a few deliberately invalid records: each is rejected with a reason.
        expect(summary.rejected).toBeGreaterThan(0);
        expect(summary.rejected).toBeLessThan(total * 0.05);
        expect(summary.errors).toHaveLength(summary.rejected);

        const table = entity === 'tickets' ? 'raw_tickets' : 'raw_time_entries';
        const rows = await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenant.id]);
        expect(rows.rows[0]!.n).toBe(summary.inserted + summary.updated);

        const second = await ingest(entity, tenant.id);
        expect(second.json()).toMatchObject({
          received: total,
          inserted: 0,
          updated: 0,
          unchanged: summary.inserted + summary.updated,
          rejected: summary.rejected,
        });
      }, 120_000);
    }
  }

  it("has activity for the demo tenant on 2026-01-24 (the plan's KPI day)", async () => {
    const { rows } = await t.ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM raw_tickets WHERE tenant_id = $1 AND created_at >= '2026-01-24T00:00:00-05:00' AND created_at < '2026-01-25T00:00:00-05:00'",
      [DEMO_TENANT_ID],
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it("refuses a source other than the tenant's own for its mock files", async () => {
    const wrong = mockTenants.find((m) => m.source !== 'autotask')!;
    const res = await ingest('tickets', wrong.id, '&source=autotask');
    expect(res.statusCode).toBe(400);
  });

  it('names the expected file, relative to MOCK_DATA_PATH, when a tenant has no mock files', async () => {
    const tenant = await createTenant(t.ctx.db, { name: 'No Files MSP', source: 'halopsa' });
    const res = await ingest('tickets', tenant.id);
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toBe(`mock file ${tenant.id}/tickets.json not found in MOCK_DATA_PATH`);
    expect(res.body).not.toContain(MOCK_DATA_PATH);
  });
});

describe('mock mode off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ MOCK_MODE: 'false' });
    await seedMockTenants(t.ctx.db, MOCK_DATA_PATH);
  });
  afterAll(() => t.close());

  it('answers 409 when there is no body and nothing to pull', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/internal/ingest/tickets?tenant_id=${DEMO_TENANT_ID}`,
      headers: t.internalHeaders,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/nothing to pull/);
  });

  it("still accepts pushed records in the tenant's native format", async () => {
    const native = (JSON.parse(readFileSync(join(MOCK_DATA_PATH, DEMO_TENANT_ID, 'tickets.json'), 'utf8')) as unknown[]).slice(0, 50);
    const res = await t.app.inject({
      method: 'POST',
      url: `/internal/ingest/tickets?tenant_id=${DEMO_TENANT_ID}&source=connectwise`,
      headers: { ...t.internalHeaders, 'content-type': 'application/json' },
      payload: JSON.stringify(native),
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.source).toBe('connectwise');
    expect(body.received).toBe(50);
    expect(body.inserted + body.rejected).toBe(50);
  });
});
