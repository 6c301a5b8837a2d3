import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/database.js';
import { createApiKey, seedMockTenants } from '../../src/tenants/tenant-service.js';
import { runCli } from '../helpers/processes.js';
import { createTestApp, DEMO_TENANT_ID, MOCK_DATA_PATH, type TestApp } from '../helpers/test-app.js';
import { createEmptyPostgresDatabase, onPostgres } from '../helpers/test-database.js';

/** Issue #18, point 7: offboarding removes every row of a tenant, in every table, then its exports. */

const OTHER_TENANT = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/**
 * Rows per table for a tenant, over every table of the schema that has a tenant_id column, listed
 * from information_schema here (independently of the code under test), so a table added later is
 * checked without editing this test.
 */
async function rowsOf(db: Queryable, tenantId: string): Promise<Record<string, number>> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
      ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    // The name comes from the catalog; format('%I') quotes it.
    const { rows } = await db.query<{ sql: string }>(
      `SELECT format('SELECT count(*)::int8 AS n FROM %I WHERE tenant_id = $1', $1::text) AS sql`,
      [table_name],
    );
    counts[table_name] = (await db.query<{ n: number }>(rows[0]!.sql, [tenantId])).rows[0]!.n;
  }
  counts['tenants'] = (await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM tenants WHERE id = $1', [tenantId])).rows[0]!.n;
  return counts;
}

describe('offboarding: DELETE /internal/tenants/{id}', () => {
  let t: TestApp;

  async function post(url: string, payload?: object) {
    const res = await t.app.inject({ method: 'POST', url, headers: t.internalHeaders, ...(payload === undefined ? {} : { payload }) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res;
  }

  beforeAll(async () => {
    t = await createTestApp();
    await seedMockTenants(t.ctx.db, MOCK_DATA_PATH);
    for (const tenant of [DEMO_TENANT_ID, OTHER_TENANT]) {
      await post(`/internal/ingest/tickets?tenant_id=${tenant}`);
      await post(`/internal/ingest/time_entries?tenant_id=${tenant}`);
      await post(`/internal/kpi/compute-daily?tenant_id=${tenant}&from=2026-01-01&to=2026-01-31`);
      await createApiKey(t.ctx.db, tenant, 'second key');
    }
    // A rejected record (kept in ingest_rejections), and a table that a later migration might add.
    await post(`/internal/ingest/tickets?tenant_id=${DEMO_TENANT_ID}&source=canonical`, [{ external_id: 'bad-1' }]);
    await t.ctx.db.execScript('CREATE TABLE later_feature (tenant_id uuid NOT NULL, note text)');
    await t.ctx.db.query('INSERT INTO later_feature VALUES ($1, $2), ($3, $2)', [DEMO_TENANT_ID, 'x', OTHER_TENANT]);
    await post(`/internal/exports/generate?format=csv`);
  });
  afterAll(() => t.close());

  it('removes every row of the tenant from every table with a tenant_id (read from the catalog), in one go, then its exports folder; the answer counts per table', async () => {
    const before = await rowsOf(t.ctx.db, DEMO_TENANT_ID);
    const otherBefore = await rowsOf(t.ctx.db, OTHER_TENANT);
    for (const table of [
      'raw_tickets',
      'raw_time_entries',
      'ingestion_runs',
      'ingest_rejections',
      'kpi_daily',
      'kpi_daily_breakdown',
      'api_keys',
      'later_feature',
    ]) {
      expect(before[table], table).toBeGreaterThan(0);
    }
    const folder = join(t.config.exportsPath, DEMO_TENANT_ID);
    expect(existsSync(join(folder, 'current'))).toBe(true);

    const res = await t.app.inject({ method: 'DELETE', url: `/internal/tenants/${DEMO_TENANT_ID}`, headers: t.internalHeaders });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { deleted: boolean; removed: Record<string, number>; total_rows: number; exports_removed: string };
    expect(body.deleted).toBe(true);
    // Every table that held rows is in the answer with exactly that count.
    for (const [table, n] of Object.entries(before)) expect(body.removed[table] ?? 0, table).toBe(n);
    expect(body.total_rows).toBe(Object.values(before).reduce((a, b) => a + b, 0));
    expect(body.exports_removed).toBe(folder);

    const after = await rowsOf(t.ctx.db, DEMO_TENANT_ID);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    expect(existsSync(folder)).toBe(false);
    // The other tenant keeps everything.
    expect(await rowsOf(t.ctx.db, OTHER_TENANT)).toEqual(otherBefore);
    expect(existsSync(join(t.config.exportsPath, OTHER_TENANT, 'current'))).toBe(true);
  });

  it('answers 404 for a tenant that does not exist (or no longer does) and 400 for a malformed id, as problem+json', async () => {
    const again = await t.app.inject({ method: 'DELETE', url: `/internal/tenants/${DEMO_TENANT_ID}`, headers: t.internalHeaders });
    expect(again.statusCode).toBe(404);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    const malformed = await t.app.inject({ method: 'DELETE', url: '/internal/tenants/not-a-uuid', headers: t.internalHeaders });
    expect(malformed.statusCode).toBe(400);
    const unauthenticated = await t.app.inject({ method: 'DELETE', url: `/internal/tenants/${OTHER_TENANT}` });
    expect(unauthenticated.statusCode).toBe(401);
  });
});

describe('command line: tenant delete, api-key create --expires-at, api-key list', () => {
  let env: Record<string, string>;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    env = { MOCK_DATA_PATH, LOG_LEVEL: 'silent', EXPORTS_PATH: mkdtempSync(join(tmpdir(), 'exports-')) };
    if (onPostgres) {
      const empty = await createEmptyPostgresDatabase();
      env.DATABASE_URL = empty.url;
      drop = empty.drop;
    } else {
      env.DATA_DIR = mkdtempSync(join(tmpdir(), 'cli-data-'));
    }
    expect(runCli(['seed-mock'], env).status).toBe(0);
  });
  afterAll(async () => drop?.());

  it('api-key create --expires-at and api-key list (no secret in the list)', () => {
    const created = runCli(
      ['api-key', 'create', '--tenant', DEMO_TENANT_ID, '--name', 'rotating', '--expires-at', '2999-01-01', '--json'],
      env,
    );
    expect(created.status, created.stderr).toBe(0);
    const issued = JSON.parse(created.stdout) as { key: string; expires_at: string };
    expect(issued.expires_at).toBe('2999-01-01T00:00:00.000Z');
    const past = runCli(['api-key', 'create', '--tenant', DEMO_TENANT_ID, '--name', 'late', '--expires-at', '2001-01-01'], env);
    expect(past.status).not.toBe(0);
    expect(past.stderr).toMatch(/not in the future/);

    const listed = runCli(['api-key', 'list', '--tenant', DEMO_TENANT_ID], env);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/prefix +state +name +created +last used +expires/);
    expect(listed.stdout).toMatch(/rotating .*2999-01-01T00:00:00.000Z/);
    expect(listed.stdout).toMatch(/mock-seed .*never/);
    expect(listed.stdout).not.toContain(issued.key.slice(-43));
  });

  it('tenant delete without --yes only counts; with --yes removes the tenant', () => {
    const dry = runCli(['tenant', 'delete', '--id', DEMO_TENANT_ID, '--json'], env);
    expect(dry.status, dry.stderr).toBe(0);
    const counted = JSON.parse(dry.stdout) as { deleted: boolean; removed: Record<string, number> };
    expect(counted.deleted).toBe(false);
    expect(counted.removed['api_keys']).toBe(2);
    const list = () => runCli(['tenant', 'list', '--json'], env).stdout;
    expect(list()).toContain(DEMO_TENANT_ID);

    const done = runCli(['tenant', 'delete', '--id', DEMO_TENANT_ID, '--yes'], env);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/deleted tenant .*: \d+ rows/);
    expect(done.stdout).toMatch(/api_keys +2/);
    expect(list()).not.toContain(DEMO_TENANT_ID);
    const again = runCli(['tenant', 'delete', '--id', DEMO_TENANT_ID, '--yes'], env);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/does not exist/);
  });
});
