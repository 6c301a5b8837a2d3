import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { startServer, type ServerProcess } from '../helpers/processes.js';
import { createEmptyPostgresDatabase, onPostgres, postgresOnly } from '../helpers/test-database.js';
import { waitFor } from './support.js';

const SERVICE_TOKEN = 'shutdown-test-service-token-0123456789abcd';
const CONCURRENT = 50;
const RECORDS = 600;
const SHUTDOWN_BOUND_MS = 10_000;

/** Resolves 'refused' when nothing listens on the port any more, 'accepted' otherwise. */
function tryConnect(port: number): Promise<'refused' | 'accepted'> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', () => resolve('refused'));
  });
}

describe.skipIf(!onPostgres)(
  postgresOnly('graceful shutdown under load (SIGTERM)', 'it stops a real API process under load; one embedded database has one owner'),
  () => {
    let database: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
    let db: Database;
    let server: ServerProcess;
    let tenantId: string;

    beforeAll(async () => {
      database = await createEmptyPostgresDatabase();
      server = await startServer({
        DATABASE_URL: database.url,
        SERVICE_TOKEN,
        EXPORTS_PATH: mkdtempSync(join(tmpdir(), 'exports-')),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'data-')),
        MOCK_MODE: 'false',
        LOG_LEVEL: 'debug', // 'incoming request' lines (debug) tell which requests arrived before the stop
      });
      db = openPostgres({ connectionString: database.url, applicationName: 'shutdown-test' });
      tenantId = (await createTenant(db, { name: 'Shutdown MSP' })).id;
    });
    afterAll(async () => {
      await server?.stop('SIGKILL');
      await db?.close();
      await database?.drop();
    });

    it('finishes every in-flight request with 200, refuses new connections, and exits 0 within 10 s', async () => {
      const port = Number(new URL(server.baseUrl).port);
      const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
        server.child.once('exit', (code) => resolve({ code, at: Date.now() })),
      );
      const body = (n: number) =>
        JSON.stringify(
          Array.from({ length: RECORDS }, (_, i) => ({
            external_id: `S-${n}-${i}`,
            created_at: '2026-01-12T08:00:00Z',
            summary: `shutdown ${n}/${i}`,
          })),
        );
      type Outcome = { status: number; inserted?: number; error?: string };
      let pending = CONCURRENT;
      const settle = (p: Promise<Outcome>) => p.finally(() => (pending -= 1));

      // Half the requests are uploads still in progress when the signal comes (a deterministic
      // "in flight"); the other half are ordinary ingests being processed.
      const slowUploads = Array.from({ length: CONCURRENT / 2 }, (_, n) => {
        const payload = Buffer.from(body(n));
        const half = Math.floor(payload.length / 2);
        let finish!: () => void;
        const done = settle(
          new Promise<Outcome>((resolve) => {
            const req = httpRequest(
              {
                port,
                host: '127.0.0.1',
                method: 'POST',
                path: `/internal/ingest/tickets?tenant_id=${tenantId}`,
                headers: {
                  authorization: `Bearer ${SERVICE_TOKEN}`,
                  'content-type': 'application/json',
                  'content-length': payload.length,
                  connection: 'close',
                },
              },
              (res) => {
                let text = '';
                res.on('data', (chunk) => (text += chunk));
                res.on('end', () =>
                  resolve({
                    status: res.statusCode ?? -1,
                    inserted: res.statusCode === 200 ? JSON.parse(text).inserted : undefined,
                    error: text.slice(0, 200),
                  }),
                );
              },
            );
            req.on('error', (error) => resolve({ status: -1, error: String(error) }));
            req.write(payload.subarray(0, half));
            finish = () => req.end(payload.subarray(half));
          }),
        );
        return { done, finish: () => finish() };
      });
      const ordinary = Array.from({ length: CONCURRENT / 2 }, (_, i) =>
        settle(
          fetch(`${server.baseUrl}/internal/ingest/tickets?tenant_id=${tenantId}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json', connection: 'close' },
            body: body(CONCURRENT / 2 + i),
          })
            .then(async (res): Promise<Outcome> => ({ status: res.status, ...((await res.json()) as { inserted?: number }) }))
            .catch((error: Error): Outcome => ({ status: -1, error: String(error.cause ?? error) })),
        ),
      );

      // Every request has reached the server (Fastify logs each one at info level on arrival).
      const received = () =>
        server
          .output()
          .split('\n')
          .filter((line) => line.includes('"incoming request"') && line.includes('/internal/ingest/')).length;
      await waitFor(() => received() === CONCURRENT, 60_000, 'all requests received');
      const signalledAt = Date.now();
      server.child.kill('SIGTERM');

      // New connections are refused while the accepted requests are still in flight.
      await waitFor(async () => (await tryConnect(port)) === 'refused', SHUTDOWN_BOUND_MS, 'the listening socket to close');
      expect(pending).toBeGreaterThanOrEqual(CONCURRENT / 2);
      for (const upload of slowUploads) upload.finish();

      const outcomes = await Promise.all([...slowUploads.map((u) => u.done), ...ordinary]);
      const exit = await exited;
      for (const outcome of outcomes) expect(outcome.status, JSON.stringify(outcome)).toBe(200);
      expect(outcomes.reduce((sum, o) => sum + (o.inserted ?? 0), 0)).toBe(CONCURRENT * RECORDS);
      expect(exit.code).toBe(0);
      expect(exit.at - signalledAt).toBeLessThan(SHUTDOWN_BOUND_MS);
      expect(await tryConnect(port)).toBe('refused');
      expect(server.output()).toMatch(/stopping: no new connections/);

      const { rows } = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM ingestion_runs WHERE tenant_id = $1 GROUP BY status',
        [tenantId],
      );
      expect(rows).toEqual([{ status: 'succeeded', n: CONCURRENT }]);
      const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_tickets WHERE tenant_id = $1', [tenantId]);
      expect(stored.rows[0]!.n).toBe(CONCURRENT * RECORDS);
    });
  },
);
