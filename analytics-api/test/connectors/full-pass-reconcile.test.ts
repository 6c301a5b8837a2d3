import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cursors from '../../src/connectors/sync-store.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { deletedIds } from './helpers.js';

// The end of a full pass, on stored rows set up by hand: a row is present in the pass's answer when
// the pass wrote it, when it changed after the pass began, or when the pass remembered its id.

describe('full pass reconciliation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('keeps the rows the pass wrote, changed since it began or remembered, and marks the others deleted', async () => {
    const { db } = t.ctx;
    const tenantId = (await createTenant(db, { name: `Reconcile ${Math.random()}`, timezone: 'UTC' })).id;
    const res = await t.app.inject({
      method: 'POST',
      url: `/internal/ingest/tickets?tenant_id=${tenantId}`,
      headers: t.internalHeaders,
      payload: ['written', 'resumed', 'touched', 'remembered', 'gone'].map((id) => ({
        external_id: id,
        created_at: '2026-01-24T09:00:00Z',
      })),
    });
    expect(res.statusCode).toBe(200);
    const pushRun = res.json<{ run_id: string }>().run_id;

    await cursors.beginPass(db, tenantId, 'tickets', null, true);
    const [first, second] = [randomUUID(), randomUUID()];
    await cursors.joinPass(db, tenantId, 'tickets', first);
    await cursors.joinPass(db, tenantId, 'tickets', second);
    // Every row looks older than the pass (as after a step back of the clock); two carry its runs.
    await db.query(`UPDATE raw_tickets SET changed_at = now() - interval '1 day' WHERE tenant_id = $1`, [tenantId]);
    await db.query(`UPDATE raw_tickets SET last_run_id = $2 WHERE tenant_id = $1 AND external_id = 'written'`, [tenantId, first]);
    await db.query(`UPDATE raw_tickets SET last_run_id = $2 WHERE tenant_id = $1 AND external_id = 'resumed'`, [tenantId, second]);
    // Another writer changed this one while the pass ran: not the pass's to judge.
    await db.query(`UPDATE raw_tickets SET changed_at = now() + interval '1 second' WHERE tenant_id = $1 AND external_id = 'touched'`, [
      tenantId,
    ]);
    await cursors.rememberSeen(db, tenantId, 'tickets', ['remembered']);

    const outcome = await db.transaction((tx) => cursors.reconcileFullPass(tx, tenantId, 'tickets', 0.9));
    expect(outcome).toEqual({ deleted: 1, refused: 0, stored: 5 });
    expect(await deletedIds(db, tenantId, 'tickets')).toEqual(['gone']);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_tickets WHERE tenant_id = $1 AND last_run_id = $2', [
      tenantId,
      pushRun,
    ]);
    expect(rows[0]!.n).toBe(3);
  });
});
