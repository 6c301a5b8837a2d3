import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, packageRoot } from '../../src/config/config.js';
import { rekeyConnections } from '../../src/connectors/connection-service.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, MOCK_DATA_PATH, type TestApp } from '../helpers/test-app.js';
import { createEmptyPostgresDatabase, onPostgres } from '../helpers/test-database.js';
import { mockRecords, TEST_CREDENTIALS_KEY, TEST_CREDENTIALS_KEY_2 } from './helpers.js';
import { ConnectWiseSim, CW_CREDENTIALS, type CwRecord } from './sim/connectwise-sim.js';

// Connections: validation, encryption at rest, masking, the test call, deletion, key rotation, CLI.

describe('PSA connections', () => {
  let t: TestApp;
  let sim: ConnectWiseSim;

  beforeAll(async () => {
    t = await createTestApp({ CREDENTIALS_KEY: TEST_CREDENTIALS_KEY });
    sim = await new ConnectWiseSim().start();
    sim.load('tickets', mockRecords<CwRecord>('connectwise', 'tickets', 10));
  });
  afterAll(async () => {
    await sim.stop();
    await t.close();
  });

  const newTenant = async () => (await createTenant(t.ctx.db, { name: `T ${Math.random()}`, source: 'connectwise' })).id;
  const put = (tenantId: string, payload: unknown, app = t) =>
    app.app.inject({
      method: 'PUT',
      url: `/internal/tenants/${tenantId}/connection`,
      headers: app.internalHeaders,
      payload: payload as object,
    });

  it('refuses a connection with a clear problem when CREDENTIALS_KEY is not set', async () => {
    const keyless = await createTestApp({}, t.database);
    try {
      const res = await put(await newTenant(), { psa: 'connectwise', base_url: sim.baseUrl, credentials: CW_CREDENTIALS }, keyless);
      expect(res.statusCode).toBe(409);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json().detail).toMatch(/CREDENTIALS_KEY is not set/);
    } finally {
      await keyless.app.close();
    }
  });

  it('answers 400 naming what is missing or malformed, never the values', async () => {
    const tenantId = await newTenant();
    const missing = await put(tenantId, { psa: 'connectwise', base_url: sim.baseUrl, credentials: { company: 'x', public_key: 'y' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toMatch(/credentials.private_key required/);
    const bad = await put(tenantId, { psa: 'syncro', credentials: {} });
    expect(bad.statusCode).toBe(400);
    const url = await put(tenantId, { psa: 'halopsa', base_url: 'not a url', credentials: { client_id: 'a', client_secret: 'topsecret' } });
    expect(url.statusCode).toBe(400);
    expect(url.body).not.toContain('topsecret');
    const unknownTenant = await put('00000000-0000-4000-8000-000000000000', {
      psa: 'connectwise',
      base_url: sim.baseUrl,
      credentials: CW_CREDENTIALS,
    });
    expect(unknownTenant.statusCode).toBe(404);
  });

  it('stores secrets encrypted, shows them masked, tests, deletes', async () => {
    const tenantId = await newTenant();
    const set = await put(tenantId, { psa: 'connectwise', base_url: sim.baseUrl, credentials: CW_CREDENTIALS });
    expect(set.statusCode).toBe(200);
    const get = await t.app.inject({ method: 'GET', url: `/internal/tenants/${tenantId}/connection`, headers: t.internalHeaders });
    expect(get.statusCode).toBe(200);
    expect(get.json().credentials).toEqual({
      company: 'northwind',
      public_key: 'pubKEY123',
      private_key: '********',
      client_id: '********',
    });
    for (const body of [set.body, get.body]) {
      expect(body).not.toContain(CW_CREDENTIALS.private_key);
      expect(body).not.toContain(CW_CREDENTIALS.client_id);
    }
    const { rows } = await t.ctx.db.query<{ row: string }>(
      'SELECT row_to_json(c)::text AS row FROM psa_connections c WHERE tenant_id = $1',
      [tenantId],
    );
    expect(rows[0]!.row).not.toContain(CW_CREDENTIALS.private_key);

    const ok = await t.app.inject({ method: 'POST', url: `/internal/tenants/${tenantId}/connection/test`, headers: t.internalHeaders });
    expect(ok.json()).toMatchObject({ ok: true, psa: 'connectwise' });
    sim.faults = { refuse: 403 };
    const denied = await t.app.inject({ method: 'POST', url: `/internal/tenants/${tenantId}/connection/test`, headers: t.internalHeaders });
    sim.faults = {};
    expect(denied.statusCode).toBe(502);
    expect(denied.json().errors[0].field).toBe('permission');

    const del = await t.app.inject({ method: 'DELETE', url: `/internal/tenants/${tenantId}/connection`, headers: t.internalHeaders });
    expect(del.statusCode).toBe(204);
    const gone = await t.app.inject({ method: 'GET', url: `/internal/tenants/${tenantId}/connection`, headers: t.internalHeaders });
    expect(gone.statusCode).toBe(404);
    const sync = await t.app.inject({ method: 'POST', url: `/internal/sync?tenant_id=${tenantId}`, headers: t.internalHeaders });
    expect(sync.statusCode).toBe(404);
  });

  it('names the address when the PSA cannot be reached', async () => {
    const tenantId = await newTenant();
    await put(tenantId, { psa: 'connectwise', base_url: 'http://127.0.0.1:9', credentials: CW_CREDENTIALS });
    const res = await t.app.inject({ method: 'POST', url: `/internal/tenants/${tenantId}/connection/test`, headers: t.internalHeaders });
    expect(res.statusCode).toBe(502);
    expect(res.json().errors[0].field).toBe('address');
  });

  it('reads secrets sealed with CREDENTIALS_KEY_PREVIOUS and rekey moves them to CREDENTIALS_KEY', async () => {
    const tenantId = await newTenant();
    await put(tenantId, { psa: 'connectwise', base_url: sim.baseUrl, credentials: CW_CREDENTIALS });
    const rotated = loadConfig({ CREDENTIALS_KEY: TEST_CREDENTIALS_KEY_2, CREDENTIALS_KEY_PREVIOUS: TEST_CREDENTIALS_KEY }, 'cli');
    const result = await rekeyConnections(t.ctx.db, rotated);
    expect(result.rekeyed).toBeGreaterThanOrEqual(1);
    const onlyNew = await createTestApp({ CREDENTIALS_KEY: TEST_CREDENTIALS_KEY_2 }, t.database);
    try {
      const get = await onlyNew.app.inject({
        method: 'GET',
        url: `/internal/tenants/${tenantId}/connection`,
        headers: onlyNew.internalHeaders,
      });
      expect(get.statusCode).toBe(200);
      expect(get.json().key_id).toBe(rotated.credentialsKey!.id);
    } finally {
      await onlyNew.app.close();
    }
    const stale = await t.app.inject({ method: 'GET', url: `/internal/tenants/${tenantId}/connection`, headers: t.internalHeaders });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().detail).toMatch(/neither CREDENTIALS_KEY nor CREDENTIALS_KEY_PREVIOUS/);
  });

  it('refuses a CREDENTIALS_KEY that is not 32 bytes of base64, without echoing it', () => {
    expect(() => loadConfig({ CREDENTIALS_KEY: 'short-secret-value' }, 'cli')).toThrow(ConfigError);
    try {
      loadConfig({ CREDENTIALS_KEY: 'short-secret-value' }, 'cli');
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret-value');
    }
  });
});

function runCliAsync(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(packageRoot, 'src/cli.ts'), ...args], {
      cwd: packageRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => done({ status: code ?? -1, stdout, stderr }));
  });
}

describe('connection and sync from the command line', () => {
  let sim: ConnectWiseSim;
  let env: Record<string, string>;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    sim = await new ConnectWiseSim().start();
    sim
      .load('tickets', mockRecords<CwRecord>('connectwise', 'tickets', 30))
      .load('time_entries', mockRecords<CwRecord>('connectwise', 'time_entries', 10));
    env = { MOCK_DATA_PATH, LOG_LEVEL: 'silent', CREDENTIALS_KEY: TEST_CREDENTIALS_KEY };
    if (onPostgres) {
      const empty = await createEmptyPostgresDatabase();
      env.DATABASE_URL = empty.url;
      drop = empty.drop;
    } else {
      env.DATA_DIR = mkdtempSync(join(tmpdir(), 'cli-sync-'));
    }
  });
  afterAll(async () => {
    await sim.stop();
    await drop?.();
  });

  it('sets a connection from a credentials file, shows it masked, syncs and rekeys', async () => {
    const created = await runCliAsync(['tenant', 'create', '--name', 'CLI sync', '--source', 'connectwise', '--json'], env);
    expect(created.status, created.stderr).toBe(0);
    const tenantId = (JSON.parse(created.stdout) as { id: string }).id;
    const file = join(mkdtempSync(join(tmpdir(), 'creds-')), 'cw.json');
    writeFileSync(file, JSON.stringify(CW_CREDENTIALS));
    const set = await runCliAsync(
      ['connection', 'set', '--tenant', tenantId, '--psa', 'connectwise', '--base-url', sim.baseUrl, '--credentials-file', file],
      env,
    );
    expect(set.status, set.stderr).toBe(0);
    const show = await runCliAsync(['connection', 'show', '--tenant', tenantId], env);
    expect(show.stdout).toContain('private_key=********');
    expect(show.stdout + show.stderr).not.toContain(CW_CREDENTIALS.private_key);
    const sync = await runCliAsync(['sync', '--tenant', tenantId, '--json'], env);
    expect(sync.status, sync.stderr).toBe(0);
    const summary = JSON.parse(sync.stdout) as { entities: { entity: string; inserted: number }[] };
    expect(summary.entities.map((e) => [e.entity, e.inserted])).toEqual([
      ['tickets', 30],
      ['time_entries', 10],
    ]);
    const rekey = await runCliAsync(['connection', 'rekey', '--json'], {
      ...env,
      CREDENTIALS_KEY: TEST_CREDENTIALS_KEY_2,
      CREDENTIALS_KEY_PREVIOUS: TEST_CREDENTIALS_KEY,
    });
    expect(rekey.status, rekey.stderr).toBe(0);
    expect(JSON.parse(rekey.stdout)).toMatchObject({ rekeyed: 1 });
  }, 120_000);
});
