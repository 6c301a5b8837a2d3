import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/config/config.js';
import { runPendingRecomputes } from '../../src/tenant-config/recompute.js';
import { createApiKey } from '../../src/tenants/tenant-service.js';
import { runCli } from '../helpers/processes.js';
import { createTestApp, signTestJwt, type TestApp } from '../helpers/test-app.js';
import { createEmptyPostgresDatabase, onPostgres } from '../helpers/test-database.js';
import { insertTickets, newTenant } from '../kpi/helpers.js';

/** The configuration routes, their errors (problem+json naming the field), If-Match, stale days, and the CLI. */

let t: TestApp;
let tenant: string;
let key: string;
beforeAll(async () => {
  t = await createTestApp();
  tenant = await newTenant(t.ctx.db);
  key = (await createApiKey(t.ctx.db, tenant, 'config')).key;
});
afterAll(() => t.close());

const url = (id = tenant) => `/internal/tenants/${id}/config`;
const put = (body: unknown, headers: Record<string, string> = {}, id = tenant) =>
  t.app.inject({ method: 'PUT', url: url(id), headers: { ...t.internalHeaders, ...headers }, payload: body as object });

describe('GET|PUT /internal/tenants/{id}/config', () => {
  it("starts at version 0 with the defaults, and the tenant's own zone and capacity", async () => {
    const other = await newTenant(t.ctx.db, { timezone: 'Asia/Tokyo', capacity: 7 });
    const response = await t.app.inject({ method: 'GET', url: url(other), headers: t.internalHeaders });
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"0"');
    expect(response.json()).toMatchObject({
      config_version: 0,
      changed_by: null,
      stale_days_count: 0,
      config: {
        timezone: 'Asia/Tokyo',
        daily_capacity_hours: 7,
        workdays: [1, 2, 3, 4, 5, 6, 7],
        sla_source: 'psa_first',
        business_hours: null,
        language: 'en',
        currency: null,
      },
    });
  });

  it.each([
    [{ colour: 'blue' }, 'colour', 'unknown field'],
    [{ excluded: { projects: ['x'] } }, 'excluded.projects', 'unknown field'],
    [{ timezone: 'Mars/Olympus' }, 'timezone', 'unknown time zone'],
    [{ business_hours: { 1: ['18:00', '08:00'] } }, 'business_hours.1', 'not after'],
    [{ daily_capacity_hours: -1 }, 'daily_capacity_hours', '> 0'],
    [{ technician_capacity_hours: { t1: -2 } }, 'technician_capacity_hours.t1', '>= 0'],
    [{ report_recipients: ['not-an-address'] }, 'report_recipients.0', 'pattern'],
    [{ alert_recipients: ['a@b.c', 'x y@z'] }, 'alert_recipients.1', 'pattern'],
    [{ holidays: ['2026-02-30'] }, 'holidays.0', 'not a calendar date'],
    [{ kpi_targets: { happiness: { min: 1 } } }, 'kpi_targets.happiness', 'not a KPI key'],
    [{ language: 'de' }, 'language', ''],
    [{ currency: 'euro' }, 'currency', ''],
    [{ alert_webhook_url: 'ftp://example.com' }, 'alert_webhook_url', ''],
  ])('refuses %j with a 400 naming %s', async (body, field, detail) => {
    const response = await put(body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(problem.detail).toContain(field);
    expect(JSON.stringify(problem.errors)).toContain(detail);
  });

  it('refuses a body that is not an object, an unknown tenant and a bad If-Match', async () => {
    expect((await put([1, 2])).statusCode).toBe(400);
    expect((await put({}, {}, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await put({}, { 'if-match': 'yesterday' })).statusCode).toBe(400);
  });

  it('stores a new version per change with who changed it, and If-Match guards concurrent writers', async () => {
    const first = await put({ priority_map: { '1 - Critical': 'P1' } });
    expect(first.statusCode).toBe(200);
    const v1 = first.json().config_version as number;
    expect(first.json()).toMatchObject({ changed_by: 'api', config: { priority_map: { '1 - Critical': 'P1' } } });
    expect(first.headers.etag).toBe(`"${v1}"`);
    // Two writers read v1; the first wins, the second gets 412 and changes nothing.
    const a = await put({ currency: 'EUR' }, { 'if-match': `"${v1}"` });
    expect(a.statusCode).toBe(200);
    expect(a.json().config_version).toBe(v1 + 1);
    const b = await put({ currency: 'USD' }, { 'if-match': String(v1) });
    expect(b.statusCode).toBe(412);
    expect(b.headers['content-type']).toMatch(/^application\/problem\+json/);
    const current = await t.app.inject({ method: 'GET', url: url(), headers: t.internalHeaders });
    expect(current.json()).toMatchObject({ config_version: v1 + 1, config: { currency: 'EUR' } });
    // Without If-Match the last write wins; a PUT replaces the whole document.
    const c = await put({ language: 'fr' });
    expect(c.json()).toMatchObject({ config_version: v1 + 2, config: { language: 'fr', currency: null, priority_map: {} } });
    const { rows } = await t.ctx.db.query('SELECT version, changed_by FROM tenant_config_versions WHERE tenant_id = $1 ORDER BY version', [
      tenant,
    ]);
    expect(rows).toEqual([
      { version: v1, changed_by: 'api' },
      { version: v1 + 1, changed_by: 'api' },
      { version: v1 + 2, changed_by: 'api' },
    ]);
  });

  it('needs the service token', async () => {
    expect((await t.app.inject({ method: 'GET', url: url() })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: url(), headers: { 'x-api-key': key } })).statusCode).toBe(401);
  });
});

describe('GET /v1/config and stale days', () => {
  it('the tenant reads its own configuration with its API key or a JWT, read-only', async () => {
    const own = await newTenant(t.ctx.db);
    const ownKey = (await createApiKey(t.ctx.db, own, 'k')).key;
    await put({ kpi_targets: { sla_response_pct: { min: 90 } } }, {}, own);
    const byKey = await t.app.inject({ method: 'GET', url: '/v1/config', headers: { 'x-api-key': ownKey } });
    expect(byKey.statusCode).toBe(200);
    expect(byKey.json()).toMatchObject({ config_version: 1, config: { kpi_targets: { sla_response_pct: { min: 90 } } } });
    const byJwt = await t.app.inject({ method: 'GET', url: '/v1/config', headers: { authorization: `Bearer ${await signTestJwt(own)}` } });
    expect(byJwt.json().config_version).toBe(1);
    expect((await t.app.inject({ method: 'PUT', url: '/v1/config', headers: { 'x-api-key': ownKey }, payload: {} })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/v1/config' })).statusCode).toBe(401);
  });

  it('days computed before a change are stale in /v1/kpis/daily and in the config view until recomputed', async () => {
    const id = await newTenant(t.ctx.db);
    const idKey = (await createApiKey(t.ctx.db, id, 'k')).key;
    await insertTickets(t.ctx.db, id, [{ id: 'A', created: '2026-02-02T10:00:00Z', priority: 'Urgent' }]);
    const computed = await t.app.inject({
      method: 'POST',
      url: `/internal/kpi/compute-daily?tenant_id=${id}&from=2026-02-01&to=2026-02-03`,
      headers: t.internalHeaders,
    });
    expect(computed.statusCode).toBe(200);
    const read = () =>
      t.app.inject({ method: 'GET', url: '/v1/kpis/daily?from=2026-02-01&to=2026-02-03', headers: { 'x-api-key': idKey } });
    expect((await read()).json().items.map((d: { stale: boolean }) => d.stale)).toEqual([false, false, false]);

    await put({ priority_map: { Urgent: 'P1' } }, {}, id);
    const stale = await read();
    expect(stale.json().items.map((d: { stale: boolean; config_version: number }) => [d.stale, d.config_version])).toEqual([
      [true, 0],
      [true, 0],
      [true, 0],
    ]);
    const view = (await t.app.inject({ method: 'GET', url: url(id), headers: t.internalHeaders })).json();
    expect(view).toMatchObject({ stale_days_count: 3, stale_days: ['2026-02-01', '2026-02-02', '2026-02-03'] });

    await runPendingRecomputes(t.ctx.db, { owner: 'test', readCache: t.ctx.readCache });
    expect((await read()).json().items.map((d: { stale: boolean; config_version: number }) => [d.stale, d.config_version])).toEqual([
      [false, 1],
      [false, 1],
      [false, 1],
    ]);
    const grouped = await t.app.inject({
      method: 'GET',
      url: '/v1/kpis/daily?date=2026-02-02&group_by=priority',
      headers: { 'x-api-key': idKey },
    });
    expect(grouped.json().groups.map((g: { key: string }) => g.key)).toEqual(['P1']);
    expect((await t.app.inject({ method: 'GET', url: url(id), headers: t.internalHeaders })).json()).toMatchObject({
      stale_days_count: 0,
      stale_days: [],
    });
  });
});

describe('tenant config get|set', () => {
  let env: Record<string, string>;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    env = { LOG_LEVEL: 'silent' };
    if (onPostgres) {
      const empty = await createEmptyPostgresDatabase();
      env.DATABASE_URL = empty.url;
      drop = empty.drop;
    } else {
      env.DATA_DIR = mkdtempSync(join(tmpdir(), 'config-cli-'));
    }
  });
  afterAll(async () => drop?.());

  it('gets, dry-runs, sets from a file and from stdin, and refuses a bad document with a one-line reason', () => {
    const created = runCli(['tenant', 'create', '--name', 'Config Co', '--timezone', 'Europe/Paris', '--capacity', '7', '--json'], env);
    expect(created.status, created.stderr).toBe(0);
    const id = JSON.parse(created.stdout).id as string;

    const got = runCli(['tenant', 'config', 'get', '--tenant', id, '--json'], env);
    expect(got.status, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ config_version: 0, config: { timezone: 'Europe/Paris', daily_capacity_hours: 7 } });

    const dir = mkdtempSync(join(tmpdir(), 'config-doc-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ timezone: 'Europe/Paris', daily_capacity_hours: 7, workdays: [1, 2, 3, 4, 5] }));
    const dry = runCli(['tenant', 'config', 'set', '--tenant', id, '--file', file, '--dry-run', '--json'], env);
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ valid: true, changed_days: [], stored_days_count: 0 });
    expect(JSON.parse(runCli(['tenant', 'config', 'get', '--tenant', id, '--json'], env).stdout).config_version).toBe(0);

    const set = runCli(['tenant', 'config', 'set', '--tenant', id, '--file', file, '--json'], env);
    expect(set.status, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ config_version: 1, changed_by: 'cli', config: { workdays: [1, 2, 3, 4, 5] } });

    const TSX = ['--import', 'tsx'];
    const piped = spawnSync(
      process.execPath,
      [...TSX, resolve(packageRoot, 'src/cli.ts'), 'tenant', 'config', 'set', '--tenant', id, '--file', '-', '--json'],
      {
        cwd: packageRoot,
        env: { PATH: process.env.PATH ?? '', ...env },
        input: JSON.stringify({ timezone: 'Europe/Paris', language: 'fr' }),
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(piped.status, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ config_version: 2, config: { language: 'fr', daily_capacity_hours: 8 } });

    writeFileSync(file, JSON.stringify({ business_hours: { 1: ['18:00', '08:00'] } }));
    const bad = runCli(['tenant', 'config', 'set', '--tenant', id, '--file', file], env);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('business_hours.1');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
