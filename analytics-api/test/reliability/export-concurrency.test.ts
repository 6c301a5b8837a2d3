import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres.js';
import { EXPORT_LOCK_KEY_SQL } from '../../src/exports/export-lock.js';
import { generateExports } from '../../src/exports/export-service.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { currentFile, insertTicket, readCsv } from '../exports/helpers.js';
import { startServer, type ServerProcess } from '../helpers/processes.js';
import { createTestApp, TEST_SERVICE_TOKEN, type TestApp } from '../helpers/test-app.js';
import { createEmptyPostgresDatabase, onPostgres, postgresOnly } from '../helpers/test-database.js';
import { waitFor } from './support.js';

/**
 * Issue #18, points 3 and 4 (PostgreSQL: PGlite is one process with one connection, where exports run
 * one after another in the process and read table by table; see export-service.ts).
 */

const A = '00000000-0000-4000-8000-0000000000a1';
const B = '00000000-0000-4000-8000-0000000000b2';

async function tickets(db: Database, tenantId: string, from: number, count: number, client = 'c-1'): Promise<void> {
  for (let i = from; i < from + count; i += 1) {
    await insertTicket(db, tenantId, {
      external_id: `t-${i}`,
      created_at: '2026-01-05T10:00:00Z',
      client_id: client,
      client_name: `Client ${client}`,
    });
  }
}

describe.skipIf(!onPostgres)(
  postgresOnly(
    'one export per tenant at a time, across two API processes on one database',
    'two API processes share one database, which an embedded database cannot',
  ),
  () => {
    let drop: () => Promise<void>;
    let databaseUrl: string;
    let db: Database;
    let one: ServerProcess;
    let two: ServerProcess;
    let exportsPath: string;

    beforeAll(async () => {
      const empty = await createEmptyPostgresDatabase();
      drop = empty.drop;
      databaseUrl = empty.url;
      exportsPath = mkdtempSync(join(tmpdir(), 'exports-shared-'));
      const env = {
        DATABASE_URL: empty.url,
        SERVICE_TOKEN: TEST_SERVICE_TOKEN,
        EXPORTS_PATH: exportsPath,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'data-')),
        MOCK_MODE: 'false',
      };
      one = await startServer(env);
      two = await startServer(env); // migrations: the second finds them applied
      db = openPostgres({ connectionString: empty.url, applicationName: 'export-concurrency-test' });
      await createTenant(db, { id: A, name: 'Tenant A' });
      await createTenant(db, { id: B, name: 'Tenant B' });
      await tickets(db, A, 0, 50);
      await tickets(db, B, 0, 5);
    }, 120_000);
    afterAll(async () => {
      await one?.stop();
      await two?.stop();
      await db?.close();
      await drop?.();
    });

    const exportOf = (server: ServerProcess, tenantId: string) =>
      fetch(`${server.baseUrl}/internal/exports/generate?tenant_id=${tenantId}&format=csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` },
      });

    it('a second export of the same tenant (other process) waits for the running one and reads the data as of its own start; another tenant exports meanwhile', async () => {
      // The test holds tenant A's export lock, as a running export on a third replica would.
      const lockHolder = new pg.Client({ connectionString: databaseUrl });
      await lockHolder.connect();
      try {
        await lockHolder.query(`SELECT pg_advisory_lock(${EXPORT_LOCK_KEY_SQL})`, [A]);
        const first = exportOf(one, A);
        const second = exportOf(two, A);
        // Both wait: nothing of A is being written.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(existsSync(join(exportsPath, A))).toBe(false);
        // Tenant B exports in parallel, on both processes, while A's exports wait.
        const other = await exportOf(two, B);
        expect(other.status, await other.text()).toBe(201);
        // Data arriving while they wait is in both exports: neither starts from stale data.
        await tickets(db, A, 50, 7);
        await lockHolder.query(`SELECT pg_advisory_unlock(${EXPORT_LOCK_KEY_SQL})`, [A]);

        const answers = await Promise.all([first, second]);
        const bodies = (await Promise.all(answers.map((res) => res.json()))) as {
          exports: { generation: string; generation_path: string; generated_at: string; files: { name: string; rows: number }[] }[];
        }[];
        expect(answers.map((res) => res.status)).toEqual([201, 201]);
        const runs = bodies.map((body) => body.exports[0]!).sort((x, y) => x.generated_at.localeCompare(y.generated_at));
        expect(runs[0]!.generation).not.toBe(runs[1]!.generation);
        const ticketRows = (files: { name: string; rows: number }[]) =>
          files.filter((f) => f.name.startsWith('fact_tickets/') && f.name.endsWith('.csv')).reduce((sum, f) => sum + f.rows, 0);
        for (const run of runs) expect(ticketRows(run.files)).toBe(57);
        // One after the other: the later one started after the earlier one had written its manifest.
        const finishedFirst = statSync(join(runs[0]!.generation_path, 'manifest.json')).mtimeMs;
        expect(Date.parse(runs[1]!.generated_at)).toBeGreaterThanOrEqual(Math.floor(finishedFirst));
        expect(readdirSync(join(exportsPath, A, 'generations')).filter((name) => !name.startsWith('.'))).toHaveLength(2);
      } finally {
        await lockHolder.end();
      }
    }, 60_000);
  },
);

describe.skipIf(!onPostgres)(
  postgresOnly('one snapshot per export generation', 'two API processes share one database, which an embedded database cannot'),
  () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
      await createTenant(t.ctx.db, { id: A, name: 'Snapshot MSP' });
      await tickets(t.ctx.db, A, 0, 1, 'c-1');
      await tickets(t.ctx.db, A, 1, 1, 'c-2');
    });
    afterAll(() => t.close());

    it('tables written after a change still read the data as it was when the export began: the dimensions hold every key the facts reference', async () => {
      let changed = false;
      await generateExports(t.ctx.db, t.config, {
        queue: t.ctx.exportQueue,
        tenantId: A,
        format: 'both',
        hooks: {
          async afterFile(file) {
            if (!file.name.startsWith('fact_tickets/') || !file.name.endsWith('.parquet') || changed) return;
            changed = true;
            // Ticket t-0 moves to a new client after the facts were read, before the dimensions are.
            await tickets(t.ctx.db, A, 0, 1, 'c-3');
            await waitFor(
              async () => (await t.ctx.db.query("SELECT 1 FROM raw_tickets WHERE client_id = 'c-3'")).rows.length === 1,
              5_000,
              'the change',
            );
          },
        },
      });
      expect(changed).toBe(true);
      const facts = readCsv(currentFile(t.config.exportsPath, A, 'fact_tickets.csv'))
        .map((row) => row['client_key'])
        .sort();
      const clients = readCsv(currentFile(t.config.exportsPath, A, 'dim_client.csv'))
        .map((row) => row['client_key'])
        .sort();
      expect(facts).toEqual(['c-1', 'c-2']);
      // Without the shared snapshot, dim_client (read later) would hold c-2 and c-3 and miss c-1.
      expect(clients).toEqual(['c-1', 'c-2']);
      const manifest = JSON.parse(readFileSync(currentFile(t.config.exportsPath, A, 'manifest.json'), 'utf8')) as { files: unknown[] };
      expect(manifest.files.length).toBeGreaterThan(0);
    });
  },
);
