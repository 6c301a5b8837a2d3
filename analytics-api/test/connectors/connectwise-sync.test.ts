import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syncTenant } from '../../src/connectors/sync-service.js';
import { createApiKey, createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres, postgresOnly } from '../helpers/test-database.js';
import { deletedIds, mockRecords, storedPayloads, TEST_CREDENTIALS_KEY } from './helpers.js';
import { ConnectWiseSim, CW_CREDENTIALS, type CwRecord } from './sim/connectwise-sim.js';
import type { EntitySyncSummary } from '../../src/connectors/sync-service.js';

// Sync from the simulated ConnectWise through the real HTTP layer and database.

/** What POST /internal/sync answers per entity: the service's own summary, as JSON. */
type EntitySummary = EntitySyncSummary;

describe('sync from the simulated ConnectWise', () => {
  let t: TestApp;
  let sim: ConnectWiseSim;
  let tenantId: string;
  const tickets = mockRecords<CwRecord>('connectwise', 'tickets', 120);
  const entries = mockRecords<CwRecord>('connectwise', 'time_entries', 60);

  const sync = async (query = '') => {
    const res = await t.app.inject({ method: 'POST', url: `/internal/sync?tenant_id=${tenantId}${query}`, headers: t.internalHeaders });
    return {
      status: res.statusCode,
      body: res.json() as { entities: EntitySummary[]; detail?: string; errors?: { field: string; detail: string }[] },
    };
  };
  const expectStoredEqualsPsa = async () => {
    const stored = await storedPayloads(t.ctx.db, tenantId, 'tickets');
    const psa = new Map(sim.tables.tickets.values().map((r) => [String(r.id), r]));
    expect([...stored.keys()].sort()).toEqual([...psa.keys()].sort());
    for (const [id, record] of psa) expect(stored.get(id)).toEqual(record);
  };

  beforeAll(async () => {
    t = await createTestApp({ CREDENTIALS_KEY: TEST_CREDENTIALS_KEY, SYNC_PAGE_SIZE: '25', SYNC_OVERLAP_SECONDS: '5' });
    sim = await new ConnectWiseSim().start();
  });
  afterAll(async () => {
    await sim.stop();
    await t.close();
  });
  beforeEach(async () => {
    sim.tables.tickets.live.clear();
    sim.tables.time_entries.live.clear();
    sim.load('tickets', tickets).load('time_entries', entries);
    sim.faults = {};
    sim.onPage = undefined;
    sim.requests = [];
    tenantId = (await createTenant(t.ctx.db, { name: `CW ${Math.random()}`, source: 'connectwise' })).id;
    const put = await t.app.inject({
      method: 'PUT',
      url: `/internal/tenants/${tenantId}/connection`,
      headers: t.internalHeaders,
      payload: { psa: 'connectwise', base_url: sim.baseUrl, credentials: CW_CREDENTIALS },
    });
    expect(put.statusCode).toBe(200);
  });

  it('reads everything on the first sync, page by page, and stores the records exactly', async () => {
    const { status, body } = await sync();
    expect(status).toBe(200);
    const [t1, e1] = body.entities;
    expect(t1).toMatchObject({ entity: 'tickets', received: 120, inserted: 120, rejected: 0, cursor_before: null });
    expect(t1!.pages).toBe(5); // 120 records in pages of 25
    const latest = tickets
      .map((r) => (r as { _info: { lastUpdated: string } })._info.lastUpdated)
      .sort()
      .pop()!;
    expect(t1!.cursor_after).toBe(new Date(latest).toISOString());
    expect(e1).toMatchObject({ entity: 'time_entries', received: 60, inserted: 60 });
    await expectStoredEqualsPsa();

    const tenants = await t.app.inject({ method: 'GET', url: '/internal/tenants', headers: t.internalHeaders });
    const row = (tenants.json() as { id: string; psa: string; last_sync_status: string; last_sync_at: string }[]).find(
      (x) => x.id === tenantId,
    )!;
    expect(row).toMatchObject({ psa: 'connectwise', last_sync_status: 'succeeded' });
    expect(row.last_sync_at).not.toBeNull();
  });

  it('then reads only what changed since the cursor (plus the overlap window), never counting a record twice', async () => {
    await sync();
    sim.change('tickets', String(tickets[3]!.id));
    sim.change('tickets', String(tickets[70]!.id));
    const added = sim.add('tickets');
    const { body } = await sync('&entity=tickets');
    const [s] = body.entities;
    expect(s).toMatchObject({ inserted: 1, updated: 2, rejected: 0 });
    expect(s!.received).toBeLessThan(10);
    expect(s!.cursor_before).not.toBe(s!.cursor_after);
    await expectStoredEqualsPsa();
    const stored = await storedPayloads(t.ctx.db, tenantId, 'tickets');
    expect(stored.has(added)).toBe(true);
  });

  it('honours 429 with Retry-After and 503s with backoff, and counts the retries', async () => {
    sim.faults = { rateLimitEvery: 3, retryAfterSeconds: 1, unavailableNext: 1 };
    const { status, body } = await sync('&entity=tickets');
    expect(status).toBe(200);
    expect(body.entities[0]!.retries).toBeGreaterThanOrEqual(2);
    expect(body.entities[0]!.requests).toBe(body.entities[0]!.pages + body.entities[0]!.retries);
    expect(sim.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    await expectStoredEqualsPsa();
  });

  it('stops at once with a problem when the PSA refuses the credentials, and the tenant list says so', async () => {
    sim.faults = { refuse: 401 };
    const { status, body } = await sync();
    expect(status).toBe(502);
    expect(body.detail).toMatch(/refused the credentials/);
    expect(sim.requests).toHaveLength(1);
    const tenants = await t.app.inject({ method: 'GET', url: '/internal/tenants', headers: t.internalHeaders });
    const row = (tenants.json() as { id: string; last_sync_status: string; last_sync_error: string }[]).find((x) => x.id === tenantId)!;
    expect(row.last_sync_status).toBe('credentials_refused');
    expect(row.last_sync_error).toMatch(/401/);
    // The tenant's own dashboard reads the same state (its failing-sync banner).
    const key = (await createApiKey(t.ctx.db, tenantId, 'dash')).key;
    const own = await t.app.inject({ method: 'GET', url: '/v1/sync-status', headers: { 'x-api-key': key } });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ psa: 'connectwise', last_sync_status: 'credentials_refused' });
  });

  it('rejects the records of a page that are not the expected shape, with reasons, and goes on', async () => {
    sim.malformedOnce = ['not an object', { id: 'x1', summary: 3, _info: { lastUpdated: 'yesterday' } }];
    const { status, body } = await sync('&entity=tickets');
    expect(status).toBe(200);
    expect(body.entities[0]).toMatchObject({ received: 122, inserted: 120, rejected: 2 });
    expect(body.entities[0]!.errors.map((e) => e.detail).join(' ')).toMatch(/JSON object/);
    await expectStoredEqualsPsa();
  });

  it('resumes after a kill between pages, and after a crash before a commit, from the last committed page', async () => {
    const stop = new Error('killed');
    await expect(
      syncTenant(t.ctx.db, t.config, t.ctx.activeRuns, tenantId, {
        entity: 'tickets',
        hooks: {
          afterPage: (_e, page) => {
            if (page === 2) throw stop;
          },
        },
      }),
    ).rejects.toBe(stop);
    expect((await storedPayloads(t.ctx.db, tenantId, 'tickets')).size).toBe(50);
    await expect(
      syncTenant(t.ctx.db, t.config, t.ctx.activeRuns, tenantId, {
        entity: 'tickets',
        hooks: {
          beforeCommit: (_e, page) => {
            if (page === 2) throw stop;
          },
        },
      }),
    ).rejects.toBe(stop);
    expect((await storedPayloads(t.ctx.db, tenantId, 'tickets')).size).toBe(75);
    const done = await syncTenant(t.ctx.db, t.config, t.ctx.activeRuns, tenantId, { entity: 'tickets' });
    expect(done.entities[0]).toMatchObject({ resumed: true, inserted: 45, updated: 0 });
    await expectStoredEqualsPsa();
    const runs = await t.ctx.db.query<{ status: string; inserted: number }>(
      `SELECT status, inserted FROM ingestion_runs WHERE tenant_id = $1 AND mode = 'sync' ORDER BY started_at`,
      [tenantId],
    );
    expect(runs.rows.map((r) => r.status)).toEqual(['failed', 'failed', 'succeeded']);
    expect(runs.rows.reduce((sum, r) => sum + r.inserted, 0)).toBe(120);
  });

  it.skipIf(!onPostgres)(
    postgresOnly(
      'writes the next page while a page commits (two transactions), and rolls it back when that page fails',
      'PGlite is one connection, so its sync writes one page at a time',
    ),
    async () => {
      const stop = new Error('killed');
      // Page 1 holds its commit until page 2's rows are copied in, in a transaction of its own: two
      // of the service's connections are then inside a transaction of this test database.
      const inTransaction = async () => {
        const { rows } = await t.ctx.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
        );
        return rows[0]!.n;
      };
      let seen = 0;
      await expect(
        syncTenant(t.ctx.db, t.config, t.ctx.activeRuns, tenantId, {
          entity: 'tickets',
          hooks: {
            beforeCommit: async (_e, page) => {
              if (page !== 1) return;
              const deadline = Date.now() + 10_000;
              while ((seen = await inTransaction()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
              throw stop;
            },
          },
        }),
      ).rejects.toBe(stop);
      expect(seen).toBe(2);
      // Neither page committed, and the failed run counts nothing it did not keep.
      expect((await storedPayloads(t.ctx.db, tenantId, 'tickets')).size).toBe(0);
      const failed = await t.ctx.db.query<{ status: string; received: number; inserted: number }>(
        `SELECT status, received, inserted FROM ingestion_runs WHERE tenant_id = $1 AND mode = 'sync'`,
        [tenantId],
      );
      expect(failed.rows).toEqual([{ status: 'failed', received: 0, inserted: 0 }]);
      const done = await syncTenant(t.ctx.db, t.config, t.ctx.activeRuns, tenantId, { entity: 'tickets' });
      expect(done.entities[0]).toMatchObject({ received: 120, inserted: 120, updated: 0, unchanged: 0, pages: 5 });
      await expectStoredEqualsPsa();
    },
  );

  it('keeps records changed while the sync pages exact', async () => {
    let pages = 0;
    sim.onPage = () => {
      pages += 1;
      if (pages === 2) sim.change('tickets', String(tickets[0]!.id)); // already read: moves to the end
      if (pages === 3) sim.change('tickets', String(tickets[110]!.id)); // not yet read
    };
    await sync('&entity=tickets');
    sim.onPage = undefined;
    await sync('&entity=tickets');
    await expectStoredEqualsPsa();
  });

  it('answers 409 with the running sync run id while a sync of the tenant runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = syncTenant(t.ctx.db, t.config, t.ctx.activeRuns, tenantId, {
      entity: 'tickets',
      hooks: {
        afterPage: async () => {
          started();
          await gate;
        },
      },
    });
    await running;
    const second = await sync();
    expect(second.status).toBe(409);
    const holder = second.body.errors!.find((e) => e.field === 'running_run_id')!.detail;
    release();
    const done = await first;
    expect(done.sync_run_id).toBe(holder);
  });

  it("a sync of another tenant leaves the running sync's ingestion run alone (the app's registry of active runs)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = syncTenant(t.ctx.db, t.config, t.ctx.activeRuns, tenantId, {
      entity: 'tickets',
      hooks: {
        afterPage: async () => {
          started();
          await gate;
        },
      },
    });
    await running;
    const other = (await createTenant(t.ctx.db, { name: `CW other ${Math.random()}`, source: 'connectwise' })).id;
    const put = await t.app.inject({
      method: 'PUT',
      url: `/internal/tenants/${other}/connection`,
      headers: t.internalHeaders,
      payload: { psa: 'connectwise', base_url: sim.baseUrl, credentials: CW_CREDENTIALS },
    });
    expect(put.statusCode).toBe(200);
    const res = await t.app.inject({ method: 'POST', url: `/internal/sync?tenant_id=${other}&entity=tickets`, headers: t.internalHeaders });
    expect(res.statusCode).toBe(200);
    const { rows } = await t.ctx.db.query<{ status: string }>('SELECT status FROM ingestion_runs WHERE tenant_id = $1', [tenantId]);
    expect(rows.map((r) => r.status)).toEqual(['running']);
    release();
    await first;
    const after = await t.ctx.db.query<{ status: string }>('SELECT status FROM ingestion_runs WHERE tenant_id = $1', [tenantId]);
    expect(after.rows.map((r) => r.status)).toEqual(['succeeded']);
  });

  it('full=true marks records absent from the PSA deleted (out of KPIs and exports), with a mass-delete guard', async () => {
    await sync('&entity=tickets');
    sim.remove('tickets', String(tickets[5]!.id));
    sim.remove('tickets', String(tickets[6]!.id));
    const incremental = await sync('&entity=tickets');
    expect(incremental.body.entities[0]!.deleted).toBe(0);
    const full = await sync('&entity=tickets&full=true');
    expect(full.body.entities[0]).toMatchObject({ deleted: 2, deletions_refused: 0, inserted: 0 });
    expect(await deletedIds(t.ctx.db, tenantId, 'tickets')).toEqual([String(tickets[5]!.id), String(tickets[6]!.id)].sort());
    await expectStoredEqualsPsa();

    // A record the PSA returns again unchanged (it was only hidden) is back after the next full sync.
    const hidden = sim.tables.tickets.deleted.pop()!;
    sim.tables.tickets.put(hidden.record);
    await sync('&entity=tickets&full=true');
    expect(await deletedIds(t.ctx.db, tenantId, 'tickets')).toEqual([String(tickets[5]!.id)]);
    await expectStoredEqualsPsa();

    // Records the full pass itself writes (new ones, copied in without being remembered one by one)
    // are present; the records it no longer finds are still found absent.
    for (let i = 0; i < 40; i += 1) sim.add('tickets');
    sim.remove('tickets', String(tickets[7]!.id));
    const withNew = await sync('&entity=tickets&full=true');
    expect(withNew.body.entities[0]).toMatchObject({ deleted: 1, inserted: 40 });
    expect(await deletedIds(t.ctx.db, tenantId, 'tickets')).toEqual([String(tickets[5]!.id), String(tickets[7]!.id)].sort());
    await expectStoredEqualsPsa();

    for (const r of sim.tables.tickets.values().slice(0, 150)) sim.remove('tickets', String(r.id));
    const guarded = await sync('&entity=tickets&full=true');
    expect(guarded.body.entities[0]).toMatchObject({ deleted: 0, deletions_refused: 150 });
    expect(await deletedIds(t.ctx.db, tenantId, 'tickets')).toHaveLength(2);
  });
});
