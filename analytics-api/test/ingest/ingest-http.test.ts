import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

function ticket(id: string, overrides: Record<string, unknown> = {}) {
  return {
    external_id: id,
    created_at: '2026-01-24T09:00:00Z',
    summary: `Printer ${id}`,
    client_id: 'c1',
    client_name: 'Contoso',
    technician_id: 't1',
    priority: 'P3',
    status: 'New',
    ...overrides,
  };
}

function entry(id: string, overrides: Record<string, unknown> = {}) {
  return { external_id: id, technician_id: 't1', hours_worked: 1.5, billable: true, work_date: '2026-01-24', ...overrides };
}

describe('POST /internal/ingest/* (push mode, canonical records)', () => {
  let t: TestApp;
  let tenantId: string;

  const post = (entity: string, body: unknown, query = `tenant_id=${tenantId}`, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/internal/ingest/${entity}?${query}`,
      headers: { ...t.internalHeaders, 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const count = async (table: string) =>
    (await t.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0]!.n;

  beforeAll(async () => {
    t = await createTestApp({ INGEST_BODY_LIMIT_MB: '1', INGEST_MAX_RECORDS: '500' });
    tenantId = (await createTenant(t.ctx.db, { name: 'Push MSP', timezone: 'Europe/Paris' })).id;
  });
  afterAll(() => t.close());

  it('inserts, then reports the same data unchanged without touching any row, then updates what changed', async () => {
    const records = [ticket('T-1'), ticket('T-2'), ticket('T-3')];
    const first = await post('tickets', records);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      tenant_id: tenantId,
      entity: 'tickets',
      source: 'canonical',
      received: 3,
      inserted: 3,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      errors: [],
    });
    const before = (
      await t.ctx.db.query<{ changed_at: Date }>('SELECT changed_at FROM raw_tickets WHERE tenant_id = $1 ORDER BY external_id', [tenantId])
    ).rows;

    const second = await post('tickets', { records });
    expect(second.json()).toMatchObject({ received: 3, inserted: 0, updated: 0, unchanged: 3 });
    const after = (
      await t.ctx.db.query<{ changed_at: Date }>('SELECT changed_at FROM raw_tickets WHERE tenant_id = $1 ORDER BY external_id', [tenantId])
    ).rows;
    expect(after).toEqual(before);

    const third = await post('tickets', [ticket('T-1', { closed_at: '2026-01-24T15:00:00+01:00' }), ticket('T-2'), ticket('T-4')]);
    expect(third.json()).toMatchObject({ received: 3, inserted: 1, updated: 1, unchanged: 1 });
    const closed = await t.ctx.db.query<{ closed_at: Date; payload: { closed_at: string } }>(
      "SELECT closed_at, payload FROM raw_tickets WHERE tenant_id = $1 AND external_id = 'T-1'",
      [tenantId],
    );
    expect(closed.rows[0]!.closed_at.toISOString()).toBe('2026-01-24T14:00:00.000Z');
    expect(closed.rows[0]!.payload.closed_at).toBe('2026-01-24T15:00:00+01:00');
    expect(await count('raw_tickets')).toBe(4);
  });

  it('keeps every rejected record with its reasons, ingests the valid ones of the same call, and records the run', async () => {
    const res = await post('time_entries', [
      entry('E-1'),
      entry('E-2', { hours_worked: -1 }),
      entry('E-3', { hours_worked: 25 }),
      { technician_id: 't1', hours_worked: 1, billable: true, work_date: '2026-01-24' },
      entry('E-5', { work_date: '2026-02-30' }),
      42,
      entry('E-7', { technician_name: 'bad\u0000name' }),
      entry('E-8', { started_at: '2026-01-24T08:00:00Z', work_date: undefined }),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ received: 8, inserted: 2, rejected: 6 });
    expect(body.errors.map((e: { index: number }) => e.index)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const error of body.errors) expect(error.detail.length).toBeGreaterThan(5);
    expect(body.errors[0]).toMatchObject({ external_id: 'E-2', detail: expect.stringMatching(/hours_worked/) });

    const stored = await t.ctx.db.query<{ record_index: number; reasons: string[]; payload: unknown }>(
      'SELECT record_index, reasons, payload FROM ingest_rejections WHERE tenant_id = $1 AND run_id = $2 ORDER BY record_index',
      [tenantId, body.run_id],
    );
    expect(stored.rows.map((r) => r.record_index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stored.rows[4]!.payload).toBe(42);
    const run = await t.ctx.db.query(
      'SELECT status, received, inserted, rejected, finished_at IS NOT NULL AS finished FROM ingestion_runs WHERE tenant_id = $1 AND id = $2',
      [tenantId, body.run_id],
    );
    expect(run.rows[0]).toEqual({ status: 'succeeded', received: 8, inserted: 2, rejected: 6, finished: true });
  });

  it('accounts for a record repeated in one call: written once, then updated or unchanged', async () => {
    const res = await post('tickets', [
      ticket('R-1'),
      ticket('R-1', { status: 'Closed', closed_at: '2026-01-24T10:00:00Z' }),
      ticket('R-1', { status: 'Closed', closed_at: '2026-01-24T10:00:00Z' }),
    ]);
    expect(res.json()).toMatchObject({ received: 3, inserted: 1, updated: 1, unchanged: 1 });
    const row = await t.ctx.db.query<{ status: string }>("SELECT status FROM raw_tickets WHERE tenant_id = $1 AND external_id = 'R-1'", [
      tenantId,
    ]);
    expect(row.rows).toEqual([{ status: 'Closed' }]);
  });

  it('ten identical concurrent calls leave exact counts: no duplicates, no deadlock', async () => {
    const records = Array.from({ length: 300 }, (_, i) => ticket(`C-${i}`));
    const results = await Promise.all(Array.from({ length: 10 }, () => post('tickets', records)));
    for (const res of results) expect(res.statusCode, res.body).toBe(200);
    const totals = results
      .map((r) => r.json())
      .reduce(
        (sum, s) => ({ inserted: sum.inserted + s.inserted, unchanged: sum.unchanged + s.unchanged, updated: sum.updated + s.updated }),
        { inserted: 0, unchanged: 0, updated: 0 },
      );
    expect(totals).toEqual({ inserted: 300, unchanged: 2700, updated: 0 });
    const { rows } = await t.ctx.db.query<{ n: number; distinct_ids: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS distinct_ids FROM raw_tickets WHERE tenant_id = $1 AND external_id LIKE 'C-%'",
      [tenantId],
    );
    expect(rows[0]).toEqual({ n: 300, distinct_ids: 300 });
  });

  it.each([
    ['an unknown tenant', 'tickets', [], 'tenant_id=00000000-0000-4000-8000-000000000000', 404, /does not exist/],
    ['a malformed tenant_id', 'tickets', [], 'tenant_id=../../etc/passwd', 400, /UUID/],
    ['a missing tenant_id', 'tickets', [], 'source=canonical', 400, /tenant_id/],
    [
      'an unknown source',
      'tickets',
      [],
      'tenant_id=TENANT&source=servicenow',
      400,
      /source must be one of canonical, connectwise, autotask, halopsa/,
    ],
    ['an unknown entity', 'invoices', [], 'tenant_id=TENANT', 400, /entity/],
    ['a body that is not JSON', 'tickets', 'not json', 'tenant_id=TENANT', 400, /not valid JSON/],
    ['a body that is a JSON string', 'tickets', '"records"', 'tenant_id=TENANT', 400, /JSON array/],
    ['a body that is an object without records', 'tickets', { rows: [] }, 'tenant_id=TENANT', 400, /JSON array/],
    ['too many records', 'tickets', Array.from({ length: 501 }, (_, i) => ticket(`M-${i}`)), 'tenant_id=TENANT', 413, /limit is 500/],
  ])('refuses %s with a clear problem', async (_name, entity, body, query, status, detail) => {
    const res = await post(entity as string, body, (query as string).replace('TENANT', tenantId));
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().detail).toMatch(detail as RegExp);
  });

  it('refuses a body over the configured size with 413', async () => {
    const big = JSON.stringify([ticket('BIG', { summary: 'x'.repeat(1024 * 1024 + 10) })]);
    const res = await post('tickets', big);
    expect(res.statusCode).toBe(413);
    expect(res.json().detail).toMatch(/larger than the configured limit/);
  });

  it('refuses hostile nesting without crashing', async () => {
    const res = await post('tickets', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/nesting/);
  });
});
