import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID, MOCK_DATA_PATH } from '../helpers/test-app.js';
import { runCli } from '../helpers/processes.js';
import { commands } from '../../src/cli/commands/index.js';
import { createEmptyPostgresDatabase, onPostgres } from '../helpers/test-database.js';

describe('command line', () => {
  let env: Record<string, string>;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    env = { MOCK_DATA_PATH, LOG_LEVEL: 'silent' };
    if (onPostgres) {
      const empty = await createEmptyPostgresDatabase();
      env.DATABASE_URL = empty.url;
      drop = empty.drop;
    } else {
      env.DATA_DIR = mkdtempSync(join(tmpdir(), 'cli-data-'));
    }
  });
  afterAll(async () => drop?.());

  it('migrate --json prints one JSON document and is idempotent', () => {
    const first = runCli(['migrate', '--json'], env);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).applied).toContain('001_initial_schema.sql');
    const second = runCli(['migrate', '--json'], env);
    expect(JSON.parse(second.stdout)).toMatchObject({ applied: [] });
  });

  it('seed-mock prints the new keys once, then none', () => {
    const first = runCli(['seed-mock', '--json'], env);
    expect(first.status, first.stderr).toBe(0);
    const seeded = JSON.parse(first.stdout) as {
      tenants: Array<{ id: string; name: string }>;
      api_keys: Array<{ tenant_id: string; name: string; key: string }>;
    };
    expect(seeded.tenants.map((t) => t.id)).toContain(DEMO_TENANT_ID);
    expect(seeded.api_keys.length).toBe(seeded.tenants.length);
    for (const key of seeded.api_keys) expect(Object.keys(key).sort()).toEqual(['key', 'name', 'tenant_id']);
    const second = runCli(['seed-mock', '--json'], env);
    expect(JSON.parse(second.stdout).api_keys).toEqual([]);
  });

  it('creates and lists tenants, creates and revokes keys', () => {
    const created = runCli(['tenant', 'create', '--name', 'Acme IT', '--timezone', 'Asia/Tokyo', '--source', 'autotask', '--json'], env);
    expect(created.status, created.stderr).toBe(0);
    const tenant = JSON.parse(created.stdout);
    expect(tenant).toMatchObject({ name: 'Acme IT', timezone: 'Asia/Tokyo', source: 'autotask', active: true });

    const listed = JSON.parse(runCli(['tenant', 'list', '--json'], env).stdout) as Array<{ id: string }>;
    expect(listed.map((t) => t.id)).toContain(tenant.id);

    const key = JSON.parse(runCli(['api-key', 'create', '--tenant', tenant.id, '--name', 'powerbi', '--json'], env).stdout);
    expect(key).toMatchObject({ tenant_id: tenant.id, name: 'powerbi' });
    expect(key.key).toMatch(/^msk_/);

    const revoked = runCli(['api-key', 'revoke', '--tenant', tenant.id, '--name', 'powerbi', '--json'], env);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout).revoked).toHaveLength(1);
    const again = runCli(['api-key', 'revoke', '--tenant', tenant.id, '--name', 'powerbi'], env);
    expect(again.status).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fails with one line and a non-zero exit code on bad input', () => {
    for (const args of [
      ['tenant', 'create'],
      ['tenant', 'create', '--name', 'X', '--timezone', 'Nowhere/Land'],
      ['api-key', 'create', '--tenant', 'not-a-uuid', '--name', 'k'],
      ['frobnicate'],
    ]) {
      const result = runCli(args, env);
      expect(result.status, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('stops with one line naming the variable when the configuration is wrong, without echoing it', () => {
    const result = runCli(['tenant', 'list'], { ...env, DATABASE_URL: 'postgres://u:Secret99@h:x/db' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/DATABASE_URL/);
    expect(result.stderr).not.toContain('Secret99');
  });

  it('a read command never creates an embedded database, and the default one does not depend on the working directory', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cli-cwd-'));
    const missing = join(elsewhere, 'no-database-here');
    for (const args of [['tenant', 'list'], ['api-key', 'list', '--tenant', DEMO_TENANT_ID], ['export']]) {
      const result = runCli(args, { MOCK_DATA_PATH, LOG_LEVEL: 'silent', DATA_DIR: missing }, elsewhere);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(`there is no embedded database in ${missing}`);
      expect(existsSync(missing)).toBe(false);
    }
    // Without DATA_DIR, typed from another folder: the package's .data/ is used, never <cwd>/.data.
    runCli(['tenant', 'list'], { MOCK_DATA_PATH, LOG_LEVEL: 'silent' }, elsewhere);
    expect(existsSync(join(elsewhere, '.data'))).toBe(false);
  });

  it('every command answers --help with its usage, exit code 0, without touching a database', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cli-help-'));
    for (const command of commands) {
      const result = runCli([command.name, '--help'], { LOG_LEVEL: 'silent', DATA_DIR: join(elsewhere, 'none') }, elsewhere);
      expect(result.status, `${command.name} --help: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain(`usage: cli ${command.usage}`);
    }
    expect(existsSync(join(elsewhere, 'none'))).toBe(false);
  });
});
