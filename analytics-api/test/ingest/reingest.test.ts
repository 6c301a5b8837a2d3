import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/database.js';
import { upsertBatch } from '../../src/ingest/ingest-store.js';
import { mapRecord } from '../../src/ingest/mappers/index.js';
import { storedRecord } from '../../src/ingest/stored-row.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Re-ingest skips the upsert for records whose stored hash already matches (ingest-store.ts).

function ticket(id: string, overrides: Record<string, unknown> = {}) {
  return { external_id: id, created_at: '2026-01-24T09:00:00Z', summary: `Printer ${id}`, status: 'New', ...overrides };
}

function stored(raw: ReturnType<typeof ticket>) {
  const mapped = mapRecord('canonical', 'tickets', raw);
  if (!mapped.ok) throw new Error(mapped.reasons.join('; '));
  return storedRecord('canonical', JSON.stringify(raw), mapped.record);
}

interface Summary {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  run_id: string;
}

describe('re-ingest of unchanged records', () => {
  let t: TestApp;
  let tenantId: string;

  const post = async (body: unknown): Promise<Summary> => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/internal/ingest/tickets?tenant_id=${tenantId}`,
      headers: { ...t.internalHeaders, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Summary;
  };

  const rows = async (prefix: string) =>
    (
      await t.ctx.db.query<{ external_id: string; status: string; last_run_id: string; changed_at: Date }>(
        'SELECT external_id, status, last_run_id, changed_at FROM raw_tickets WHERE tenant_id = $1 AND external_id LIKE $2 ORDER BY external_id',
        [tenantId, `${prefix}%`],
      )
    ).rows;

  beforeAll(async () => {
    t = await createTestApp();
    tenantId = (await createTenant(t.ctx.db, { name: 'Re-ingest MSP', timezone: 'UTC' })).id;
  });
  afterAll(() => t.close());

  it('sends no upsert for a batch whose records are all stored with the same hash, and only the changed ones otherwise', async () => {
    const records = Array.from({ length: 5 }, (_, i) => stored(ticket(`S-${i}`)));
    const statements: string[] = [];
    const recording = (tx: Queryable): Queryable => ({
      query: (text, params) => {
        statements.push(text.trim().split(/\s+/, 1)[0]!);
        return tx.query(text, params);
      },
    });
    const write = (batch: typeof records, runId: string) =>
      t.ctx.db.transaction((tx) => upsertBatch(recording(tx), 'tickets', { tenantId, source: 'canonical', runId, records: batch }));
    const run = '00000000-0000-4000-8000-000000000001';

    expect(await write(records, run)).toEqual({ inserted: 5, updated: 0, unchanged: 0 });
    expect(statements).toEqual(['SELECT', 'INSERT']);

    statements.length = 0;
    expect(await write(records, run)).toEqual({ inserted: 0, updated: 0, unchanged: 5 });
    expect(statements).toEqual(['SELECT']);

    statements.length = 0;
    const changed = [...records];
    changed[2] = stored(ticket('S-2', { status: 'Closed' }));
    changed.push(stored(ticket('S-9')));
    expect(await write(changed, run)).toEqual({ inserted: 1, updated: 1, unchanged: 4 });
    expect(statements).toEqual(['SELECT', 'INSERT']);
  });

  it('keeps the run summary exact: all unchanged, then one changed record among unchanged ones', async () => {
    const records = Array.from({ length: 250 }, (_, i) => ticket(`U-${String(i).padStart(3, '0')}`));
    const withRejected = [...records, { external_id: 'U-bad', created_at: 'not a date' }];
    const first = await post(withRejected);
    expect(first).toMatchObject({ received: 251, inserted: 250, updated: 0, unchanged: 0, rejected: 1 });
    const before = await rows('U-');

    const second = await post(withRejected);
    expect(second).toMatchObject({ received: 251, inserted: 0, updated: 0, unchanged: 250, rejected: 1 });
    expect(await rows('U-')).toEqual(before);

    const changed = records.map((r, i) => (i === 137 ? ticket(r.external_id, { status: 'Closed' }) : r));
    const third = await post(changed);
    expect(third).toMatchObject({ received: 250, inserted: 0, updated: 1, unchanged: 249, rejected: 0 });
    const after = await rows('U-');
    expect(after.filter((row, i) => row.last_run_id !== before[i]!.last_run_id).map((row) => row.external_id)).toEqual(['U-137']);
    expect(after[137]).toMatchObject({ status: 'Closed', last_run_id: third.run_id });
  });

  it('never loses an update to concurrent calls of the same tenant, and their counts match what was stored', async () => {
    const ids = Array.from({ length: 400 }, (_, i) => `R-${String(i).padStart(3, '0')}`);
    const v1 = ids.map((id) => ticket(id));
    const v2 = ids.map((id) => ticket(id, { status: 'Closed', closed_at: '2026-01-24T12:00:00Z' }));
    await post(v1);

    // One call changes every record while four re-send the stored version: a re-sender that looked
    // up the hashes before the change commits may skip its records, one that comes after it must
    // write them back, and both must say so in their counts.
    const [changer, ...resenders] = await Promise.all([post(v2), post(v1), post(v1), post(v1), post(v1)]);
    expect(changer).toMatchObject({ received: 400, inserted: 0, updated: 400, unchanged: 0 });
    const resentUpdates = resenders.reduce((sum, s) => sum + s.updated, 0);
    for (const s of resenders) expect(s.inserted + s.updated + s.unchanged).toBe(400);

    const final = await rows('R-');
    expect(final).toHaveLength(400);
    const backToV1 = final.filter((row) => row.status === 'New').length;
    expect(resentUpdates).toBe(backToV1);
    // Each row was last written by the call whose version it holds.
    for (const row of final) {
      if (row.status === 'Closed') expect(row.last_run_id).toBe(changer.run_id);
      else expect(resenders.map((s) => s.run_id)).toContain(row.last_run_id);
    }
  });
});
