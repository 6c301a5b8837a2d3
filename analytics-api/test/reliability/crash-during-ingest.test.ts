import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres.js';
import { BATCH_SIZE } from '../../src/ingest/ingest-service.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { startServer, type ServerProcess } from '../helpers/processes.js';
import { createEmptyPostgresDatabase, onPostgres, postgresOnly } from '../helpers/test-database.js';
import { waitFor } from './support.js';

const SERVICE_TOKEN = 'crash-test-service-token-0123456789abcdefgh';
const TOTAL = 60_000;

function tickets(): string {
  return JSON.stringify(
    Array.from({ length: TOTAL }, (_, i) => ({
      external_id: `K-${String(i).padStart(6, '0')}`,
      created_at: '2026-01-12T08:00:00Z',
      summary: `Crash test ticket ${i}`,
      client_id: `c${i % 40}`,
      technician_id: `t${i % 12}`,
      priority: `P${(i % 4) + 1}`,
      status: i % 3 === 0 ? 'Closed' : 'Open',
      closed_at: i % 3 === 0 ? '2026-01-12T15:00:00Z' : null,
    })),
  );
}

// A real process to kill: PGlite is in-process, so this runs on PostgreSQL only.
describe.skipIf(!onPostgres)(
  postgresOnly(
    'the service killed (SIGKILL) in the middle of a large ingest',
    'it kills a real API process holding the database; one embedded database has one owner',
  ),
  () => {
    let database: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
    let db: Database;
    let env: Record<string, string>;
    let server: ServerProcess | undefined;
    let tenantId: string;
    const body = tickets();

    beforeAll(async () => {
      database = await createEmptyPostgresDatabase();
      env = {
        DATABASE_URL: database.url,
        SERVICE_TOKEN,
        EXPORTS_PATH: mkdtempSync(join(tmpdir(), 'exports-')),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'data-')),
        MOCK_MODE: 'false',
      };
      server = await startServer(env);
      db = openPostgres({ connectionString: database.url, applicationName: 'crash-test' });
      tenantId = (await createTenant(db, { name: 'Crash MSP' })).id;
    });
    afterAll(async () => {
      await server?.stop('SIGKILL');
      await db?.close();
      await database?.drop();
    });

    const count = async () =>
      (
        await db.query<{ n: number; distinct_ids: number }>(
          'SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS distinct_ids FROM raw_tickets WHERE tenant_id = $1',
          [tenantId],
        )
      ).rows[0]!;

    const push = (target: ServerProcess) =>
      fetch(`${target.baseUrl}/internal/ingest/tickets?tenant_id=${tenantId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
        body,
      });

    it('keeps only whole batches, marks the run failed after the restart, and a re-send gives exact counts', async () => {
      const first = server!;
      const pending = push(first).then(
        (res) => `answered ${res.status}`,
        (error: Error) => `failed: ${String(error.cause ?? error)}`,
      );
      // Kill once at least two batches are committed, well before the end.
      await waitFor(async () => (await count()).n >= 2 * BATCH_SIZE, 60_000, 'two committed batches');
      await first.stop('SIGKILL');
      expect(await pending).toMatch(/^failed/);

      const run = await db.query<{ id: string; status: string; instance_id: string; inserted: number; received: number }>(
        'SELECT id, status, instance_id, inserted, received FROM ingestion_runs WHERE tenant_id = $1',
        [tenantId],
      );
      expect(run.rows).toHaveLength(1);
      const killed = run.rows[0]!;
      expect(killed.status).toBe('running');

      // PostgreSQL rolls back the batch that was in flight: whole batches only, and exactly those
      // the run's counters (written in the same transaction as each batch) say were committed.
      const afterKill = await count();
      expect(afterKill.n % BATCH_SIZE).toBe(0);
      expect(afterKill.n).toBeLessThan(TOTAL);
      expect(afterKill.n).toBe(killed.inserted);
      expect(afterKill.distinct_ids).toBe(afterKill.n);

      // The killed process's connections are gone once PostgreSQL has noticed the closed sockets.
      await waitFor(
        async () =>
          (
            await db.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'analytics-api:' || $1",
              [killed.instance_id],
            )
          ).rows[0]!.n === 0,
        30_000,
        'the killed process’s database sessions to end',
      );
      server = await startServer(env);
      const marked = await db.query<{ status: string; error: string; finished: boolean }>(
        'SELECT status, error, finished_at IS NOT NULL AS finished FROM ingestion_runs WHERE tenant_id = $1 AND id = $2',
        [tenantId, killed.id],
      );
      expect(marked.rows[0]).toMatchObject({ status: 'failed', finished: true, error: expect.stringMatching(/interrupted/) });

      const again = await push(server);
      expect(again.status).toBe(200);
      const summary = await again.json();
      expect(summary).toMatchObject({ received: TOTAL, inserted: TOTAL - afterKill.n, unchanged: afterKill.n, updated: 0, rejected: 0 });
      expect(summary.inserted + summary.unchanged).toBe(TOTAL);
      expect(await count()).toEqual({ n: TOTAL, distinct_ids: TOTAL });
    });
  },
);
