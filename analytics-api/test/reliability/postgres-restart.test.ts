import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createApiKey, createTenant } from '../../src/tenants/tenant-service.js';
import { startServer, type ServerProcess } from '../helpers/processes.js';
import { onPostgres, postgresOnly } from '../helpers/test-database.js';
import { createPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
import { waitFor } from './support.js';

const SERVICE_TOKEN = 'restart-test-service-token-0123456789abcdef';
const REQUEST_TIMEOUT_MS = 10_000;

interface Outcome {
  at: number;
  what: string;
  status: number | 'network-error' | 'no-answer';
  ms: number;
  problem: boolean;
  retryAfter: string | null;
  error?: string;
}

// PGlite is in-process: a database restart can only be played against a real server.
describe.skipIf(!onPostgres)(
  postgresOnly(
    'PostgreSQL restarted while requests flow (private PostgreSQL 15 instance)',
    'it restarts a PostgreSQL server, which PGlite does not have',
  ),
  () => {
    let pg: PrivatePostgres;
    let server: ServerProcess;
    let db: Database;
    let tenantId: string;
    let apiKey: string;

    beforeAll(async () => {
      pg = await createPrivatePostgres();
      server = await startServer({
        DATABASE_URL: pg.url,
        SERVICE_TOKEN,
        JWT_SECRET_KEY: 'restart-test-jwt-secret-0123456789abcdefgh',
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        EXPORTS_PATH: mkdtempSync(join(tmpdir(), 'exports-')),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'data-')),
        MOCK_MODE: 'false',
        // This test floods the API on purpose; the rate limits are proven in rate-limits.test.ts.
        RATE_LIMIT_PER_MINUTE: '1000000',
        AUTH_FAILURES_PER_MINUTE: '1000000',
      });
      db = openPostgres({ connectionString: pg.url, applicationName: 'restart-test' });
      tenantId = (await createTenant(db, { name: 'Restart MSP' })).id;
      apiKey = (await createApiKey(db, tenantId, 'restart')).key;
    });

    afterAll(async () => {
      await server?.stop('SIGKILL');
      await db?.close().catch(() => undefined);
      pg?.destroy();
    });

    async function call(what: string, url: string, init: RequestInit = {}): Promise<Outcome> {
      const started = Date.now();
      try {
        const res = await fetch(`${server.baseUrl}${url}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS + 5_000) });
        await res.arrayBuffer();
        return {
          at: started,
          what,
          status: res.status,
          ms: Date.now() - started,
          problem: (res.headers.get('content-type') ?? '').startsWith('application/problem+json'),
          retryAfter: res.headers.get('retry-after'),
        };
      } catch (error) {
        const name = (error as Error).name;
        return {
          at: started,
          what,
          status: name === 'TimeoutError' ? 'no-answer' : 'network-error',
          ms: Date.now() - started,
          problem: false,
          retryAfter: null,
          error: String((error as Error & { cause?: unknown }).cause ?? error),
        };
      }
    }

    const requests: Array<[string, () => [string, RequestInit]]> = [
      ['GET /internal/tenants', () => ['/internal/tenants', { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } }]],
      [
        'POST /internal/ingest/tickets',
        () => [
          `/internal/ingest/tickets?tenant_id=${tenantId}`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify(
              Array.from({ length: 50 }, (_, i) => ({
                external_id: `R-${i}`,
                created_at: '2026-01-10T08:00:00Z',
                status: `s${Date.now() % 7}`,
              })),
            ),
          },
        ],
      ],
      ['POST /v1/auth/token', () => ['/v1/auth/token', { method: 'POST', headers: { 'x-api-key': apiKey } }]],
    ];

    it('answers 503 problems during the outage (no hang, no crash), and serves again within 5 s of the database’s return', async () => {
      const outcomes: Outcome[] = [];
      let running = true;
      const workers = Array.from({ length: 6 }, (_, n) =>
        (async () => {
          for (let i = n; running; i += 1) {
            const [what, make] = requests[i % requests.length]!;
            const [url, init] = make();
            outcomes.push(await call(what, url, init));
          }
        })(),
      );

      await waitFor(() => outcomes.filter((o) => o.status === 200).length >= 20, 20_000, 'requests served before the outage');

      // Large ingests in flight when the database goes (their connections are checked out of the
      // pool between statements): committed batches stay, their runs must not stay "running".
      const bigIngests = [0, 1, 2].map((n) =>
        call('big ingest', `/internal/ingest/tickets?tenant_id=${tenantId}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(
            Array.from({ length: 30_000 }, (_, i) => ({
              external_id: `BIG-${n}-${i}`,
              created_at: '2026-01-10T08:00:00Z',
              summary: `big ${i}`,
            })),
          ),
        }),
      );
      await waitFor(
        async () =>
          (
            await db.query<{ n: number }>("SELECT count(*)::int AS n FROM raw_tickets WHERE tenant_id = $1 AND external_id LIKE 'BIG-%'", [
              tenantId,
            ])
          ).rows[0]!.n > 0,
        30_000,
        'the first batch of a large ingest committed',
      );

      const stoppedAt = Date.now();
      pg.stop();
      for (const interrupted of await Promise.all(bigIngests)) {
        // A dropped connection here means the process died (see docs/reliability.md, defects).
        expect(interrupted.status, `${JSON.stringify(interrupted)}\n${server.output().slice(-3000)}`).toBe(503);
      }
      await waitFor(() => outcomes.some((o) => o.at > stoppedAt && o.status === 503), 15_000, 'a 503 during the outage');
      // Keep the outage going for a while under load.
      await new Promise((r) => setTimeout(r, 2_000));
      const readyDuring = await fetch(`${server.baseUrl}/ready`);
      const readyBody = await readyDuring.json();
      expect(readyDuring.status).toBe(503);
      expect(readyBody.checks.database.status).toBe('error');
      expect(readyBody.checks.database.detail).not.toContain(pg.password);
      const healthDuring = await fetch(`${server.baseUrl}/health`);
      expect(healthDuring.status).toBe(200);
      expect((await healthDuring.json()).checks.database.status).toBe('error');

      pg.start(); // returns once the server accepts connections
      const backAt = Date.now();
      const firstOk: Record<string, number> = {};
      await waitFor(
        () => {
          for (const o of outcomes) if (o.at >= backAt && o.status === 200 && firstOk[o.what] === undefined) firstOk[o.what] = o.at + o.ms;
          return Object.keys(firstOk).length === requests.length;
        },
        5_000,
        'every kind of request served again within 5 s',
      );
      const readyAfter = await fetch(`${server.baseUrl}/ready`);
      expect(readyAfter.status).toBe(200);
      expect((await readyAfter.json()).checks.database.status).toBe('ok');
      running = false;
      await Promise.all(workers);

      // Within the bound: back within 5 s of the database's return.
      for (const [what, at] of Object.entries(firstOk)) expect(at - backAt, what).toBeLessThanOrEqual(5_000);

      const during = outcomes.filter((o) => o.at > stoppedAt && o.at < backAt);
      expect(during.length).toBeGreaterThan(10);
      for (const o of outcomes) {
        // Only 200 or a 503 problem: never a 500, a dropped connection or a request left hanging.
        expect([200, 503], JSON.stringify(o)).toContain(o.status);
        expect(o.ms, JSON.stringify(o)).toBeLessThan(REQUEST_TIMEOUT_MS);
        if (o.status === 503) {
          expect(o.problem, JSON.stringify(o)).toBe(true);
          expect(o.retryAfter, JSON.stringify(o)).not.toBeNull();
        }
      }
      expect(server.child.exitCode).toBeNull();
      expect(server.output()).not.toMatch(/unhandled|uncaught/i);
    });

    it('leaves no ingestion run marked running after the outage (each one interrupted is marked failed)', async () => {
      if (!pg.running()) pg.start(); // the previous test may have stopped early
      expect(server.child.exitCode, 'the API process died during the outage').toBeNull();
      const { rows } = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM ingestion_runs WHERE tenant_id = $1 GROUP BY status ORDER BY status',
        [tenantId],
      );
      expect(rows.find((r) => r.status === 'running')).toBeUndefined();
      expect(rows.find((r) => r.status === 'succeeded')?.n).toBeGreaterThan(0);
    });
  },
);
