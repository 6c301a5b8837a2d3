import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { Database } from '../../src/db/database.js';
import { EXPORT_LOCK_KEY_SQL } from '../../src/exports/export-lock.js';
import { buildApp } from '../../src/http/app.js';
import { createContext, type CreatedContext } from '../../src/server/create-context.js';
import { createApiKey } from '../../src/tenants/tenant-service.js';
import { insertTickets, newTenant } from '../kpi/helpers.js';
import { MOCK_DATA_PATH, TEST_SERVICE_TOKEN } from '../helpers/test-app.js';
import { postgresOnly } from '../helpers/test-database.js';
import { startStandbyPair, type StandbyPair } from './standby-cluster.js';

/**
 * DATABASE_READ_URL on a real streaming standby (pg_basebackup -R), started by the test with its own
 * primary, so the machine's cluster needs no replication settings. Lag is made with
 * pg_wal_replay_pause() on the standby: WAL still arrives, nothing of it is applied.
 */
const WAIT_MS = 1_500;
const DAY = '2026-02-10';
const internal = { authorization: `Bearer ${TEST_SERVICE_TOKEN}` };

async function standbyIs(db: Database): Promise<boolean> {
  const { rows } = await db.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  return rows[0]!.standby;
}

describe(
  postgresOnly(
    'reads from a streaming standby (DATABASE_READ_URL)',
    'a read replica is a second PostgreSQL server; PGlite has none (its reads are the primary)',
  ),
  () => {
    let pair: StandbyPair;
    let created: CreatedContext;
    let app: FastifyInstance;
    let standby: pg.Client;
    let tenant: string;
    let key: string;

    const compute = (date: string) =>
      app.inject({ method: 'POST', url: `/internal/kpi/compute-daily?tenant_id=${tenant}&date=${date}`, headers: internal });
    const read = (date: string) => app.inject({ method: 'GET', url: `/v1/kpis/daily?date=${date}`, headers: { 'x-api-key': key } });
    const standbyDay = async (date: string) =>
      (
        await standby.query<{ n: number }>('SELECT count(*)::int AS n FROM kpi_daily WHERE tenant_id = $1 AND kpi_date = $2', [
          tenant,
          date,
        ])
      ).rows[0]!.n;
    const pauseReplay = () => standby.query('SELECT pg_wal_replay_pause()');
    const resumeReplay = () => standby.query('SELECT pg_wal_replay_resume()');

    beforeAll(async () => {
      pair = await startStandbyPair();
      const config = loadConfig({
        DATABASE_URL: pair.primaryUrl,
        DATABASE_READ_URL: pair.standbyUrl,
        READ_REPLICA_WAIT_MS: String(WAIT_MS),
        SERVICE_TOKEN: TEST_SERVICE_TOKEN,
        MOCK_MODE: 'false',
        MOCK_DATA_PATH,
        EXPORTS_PATH: mkdtempSync(join(tmpdir(), 'exports-replica-')),
        RATE_LIMIT_PER_MINUTE: '1000000',
      });
      const quiet = { info: () => undefined, warn: () => undefined };
      created = await createContext(config, quiet);
      app = await buildApp(created.ctx, { logger: false });
      await app.ready();
      standby = new pg.Client({ connectionString: pair.standbyUrl });
      await standby.connect();
      const db = created.ctx.db;
      tenant = await newTenant(db, { timezone: 'UTC', name: 'replica tenant' });
      key = (await createApiKey(db, tenant, 'replica')).key;
      await insertTickets(db, tenant, [
        { id: 'r1', created: `${DAY}T09:00:00Z`, client: 'acme', clientName: 'Acme' },
        { id: 'r2', created: `${DAY}T11:00:00Z`, client: 'acme', clientName: 'Acme' },
      ]);
    }, 120_000);

    afterAll(async () => {
      await standby?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
      await standby?.end().catch(() => undefined);
      await app?.close();
      await created?.close();
      pair?.destroy();
    });

    it('serves reads from the standby, and /ready reports its replay position and lag', async () => {
      const reads = created.ctx.reads!;
      expect(reads.replicated).toBe(true);
      expect(await standbyIs(await reads.forTenant(tenant))).toBe(true);
      expect(await standbyIs(created.ctx.db)).toBe(false);

      const ready = await app.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(200);
      const check = ready.json().checks.read_replica;
      expect(check).toMatchObject({ status: 'ok', detail: expect.stringContaining('streaming standby') });
      expect(check.replay_lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(check.lag_bytes).toBeGreaterThanOrEqual(0);
      expect(check.lag_seconds).toBeGreaterThanOrEqual(0);
    });

    it('a read right after a write waits for the standby to replay it, then reads the standby', async () => {
      await pauseReplay();
      try {
        expect((await compute(DAY)).statusCode).toBe(200);
        // The write is on the primary, not yet applied on the standby.
        expect(await standbyDay(DAY)).toBe(0);
        let settled = false;
        const pending = created.ctx.reads!.forTenant(tenant).then((db) => ((settled = true), db));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(settled).toBe(false);
        // Another tenant wrote nothing: its reads do not wait.
        expect(await standbyIs(await created.ctx.reads!.forTenant('00000000-0000-4000-8000-000000000001'))).toBe(true);
        await resumeReplay();
        const db = await pending;
        expect(await standbyIs(db)).toBe(true);
        const { rows } = await db.query<{ tickets_opened: number }>(
          'SELECT tickets_opened FROM kpi_daily WHERE tenant_id = $1 AND kpi_date = $2',
          [tenant, DAY],
        );
        expect(rows).toEqual([{ tickets_opened: 2 }]);
      } finally {
        await resumeReplay();
      }
    });

    it('over HTTP: the KPI read and the export after a compute see the compute while replay catches up', async () => {
      const day = '2026-02-11';
      await insertTickets(created.ctx.db, tenant, [{ id: 'r3', created: `${day}T08:00:00Z`, client: 'acme', clientName: 'Acme' }]);
      await pauseReplay();
      try {
        expect((await compute(day)).statusCode).toBe(200);
        setTimeout(() => void resumeReplay(), 200);
        const answer = await read(day);
        // Served by the standby once replayed (or by the primary after WAIT_MS): never the stale 404.
        expect(answer.statusCode).toBe(200);
        expect(answer.json().kpis.tickets_opened).toBe(1);
        const exported = await app.inject({
          method: 'POST',
          url: `/internal/exports/generate?tenant_id=${tenant}&format=csv`,
          headers: internal,
        });
        expect(exported.statusCode).toBe(201);
        const fact = exported.json().exports[0].files.find((file: { name: string }) => file.name.startsWith('fact_tickets'));
        expect(fact.rows).toBe(3);
      } finally {
        await resumeReplay();
      }
    });

    it('an export that reads the standby waits for the export lock held on the primary', async () => {
      // Nothing written since the last export: the export reads the standby at once.
      expect(await standbyIs(await created.ctx.reads!.forTenant(tenant))).toBe(true);
      // What an export from another API replica, or an offboarding, on the primary holds.
      const holder = new pg.Client({ connectionString: pair.primaryUrl });
      await holder.connect();
      try {
        await holder.query(`SELECT pg_advisory_lock(${EXPORT_LOCK_KEY_SQL})`, [tenant]);
        let settled = false;
        const pending = app
          .inject({ method: 'POST', url: `/internal/exports/generate?tenant_id=${tenant}&format=csv`, headers: internal })
          .then((answer) => ((settled = true), answer));
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(settled).toBe(false);
        await holder.query(`SELECT pg_advisory_unlock(${EXPORT_LOCK_KEY_SQL})`, [tenant]);
        expect((await pending).statusCode).toBe(201);
      } finally {
        await holder.end();
      }
    });

    it('a standby that lags past the wait: the read is served by the primary, with the new data', async () => {
      const day = '2026-02-12';
      await insertTickets(created.ctx.db, tenant, [{ id: 'r4', created: `${day}T08:00:00Z`, client: 'acme', clientName: 'Acme' }]);
      await pauseReplay();
      try {
        expect((await compute(day)).statusCode).toBe(200);
        const answer = await read(day);
        expect(answer.statusCode).toBe(200);
        expect(answer.json().kpis.tickets_opened).toBe(1);
        // Still not on the standby: the answer came from the primary.
        expect(await standbyDay(day)).toBe(0);
        const db = await created.ctx.reads!.forTenant(tenant);
        expect(await standbyIs(db)).toBe(false);
        const ready = (await app.inject({ method: 'GET', url: '/ready' })).json();
        expect(ready.checks.read_replica.status).toBe('ok');
        expect(ready.checks.read_replica.lag_bytes).toBeGreaterThan(0);
      } finally {
        await resumeReplay();
      }
    });

    it('a stopped standby: reads fall back to the primary and /ready says degraded, still ready', async () => {
      await standby.end();
      pair.stopStandby();
      try {
        const db = await created.ctx.reads!.forTenant(tenant);
        expect(await standbyIs(db)).toBe(false);
        const answer = await read(DAY);
        expect(answer.statusCode).toBe(200);
        expect(answer.json().kpis.tickets_opened).toBe(2);
        const ready = await app.inject({ method: 'GET', url: '/ready' });
        expect(ready.statusCode).toBe(200);
        expect(ready.json().ready).toBe(true);
        expect(ready.json().checks.read_replica).toMatchObject({
          status: 'error',
          detail: expect.stringMatching(/^degraded: .*reads fall back to the primary$/),
        });
      } finally {
        pair.startStandby();
        standby = new pg.Client({ connectionString: pair.standbyUrl });
        await standby.connect();
      }
      // Back: the standby serves reads again once the retry delay has passed.
      let back = false;
      for (let attempt = 0; attempt < 50 && !back; attempt += 1) {
        back =
          (await app.inject({ method: 'GET', url: '/ready' })).json().checks.read_replica.status === 'ok' &&
          (await standbyIs(await created.ctx.reads!.forTenant(tenant)));
        if (!back) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(back).toBe(true);
    });
  },
);
