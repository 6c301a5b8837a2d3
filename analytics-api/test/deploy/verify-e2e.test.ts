/**
 * `verify` end to end. PASS against the production build run as the image runs it (NODE_ENV=production
 * node dist/main.js, non-root, a read-only copy of the mock data, an exports folder, a fresh PostgreSQL
 * database, MOCK_MODE=true, seeded with `node dist/cli.js seed-mock --json`); BLOCKED with the right
 * reason against an unreachable URL, with a wrong token, on an empty database, and with an unwritable
 * exports folder.
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth; or TEST_DATABASE_URL's server) and a
 * build (`npm run build`). `npm test` runs the suite twice (PostgreSQL, then PGlite with
 * TEST_DATABASE_URL set to ''): the database-backed part runs once, in the first pass.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDir } from './paths.js';
import {
  createDatabase,
  distCli,
  distMain,
  dropDatabase,
  failedCategories,
  isRoot,
  postgresReachable,
  runAs,
  runDistCli,
  runVerifyCommand,
  startProductionServer,
  type ProductionServer,
} from './production.js';

const TENANT = '550e8400-e29b-41d4-a716-446655440000';
const DATE = '2026-01-24';
const PLAN_FILES = ['00_plan.md', '10_commands.md', '20_outputs/network_verification.txt', '20_outputs/api_tests.txt', '40_verdict.md'];
const DB_FILES = ['20_outputs/migration_output.txt', '20_outputs/seed_output.txt', '20_outputs/db_verification.txt'];

const pgliteOnlyPass = process.env.TEST_DATABASE_URL === '';
const pgUp = pgliteOnlyPass ? false : await postgresReachable();

const root = mkdtempSync(join(tmpdir(), 'verify-e2e-'));
chmodSync(root, 0o755);

/** A folder the server (and the CLI) user can write to. */
function writableDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (runAs.uid !== undefined) chownSync(dir, runAs.uid, runAs.gid!);
  return dir;
}

function outDir(name: string): string {
  return join(writableDir('proofs'), name);
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function expectLayout(dir: string, withDatabase: boolean): void {
  for (const file of [...PLAN_FILES, ...(withDatabase ? DB_FILES : [])]) expect(existsSync(join(dir, file)), file).toBe(true);
}

function expectNoSecret(dir: string, printed: string, secrets: string[]): void {
  const texts = [printed, ...allFiles(dir).map((file) => readFileSync(file, 'utf8'))];
  for (const secret of secrets)
    for (const text of texts) expect(text.includes(secret), `a secret (${secret.slice(0, 4)}…) was written`).toBe(false);
}

afterAll(() => {
  // Give write access back so that the clean-up also works for a non-root user.
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) chmodSync(join(entry.parentPath, entry.name), 0o755);
  }
  rmSync(root, { recursive: true, force: true });
});

describe('verify against an unreachable API', () => {
  it('is BLOCKED (network) for a closed port and for a name that does not resolve, and still writes the proofs', async () => {
    for (const [name, baseUrl] of [
      ['closed-port', 'http://127.0.0.1:9'],
      ['no-dns', 'http://analytics-api.invalid:8000'],
    ]) {
      const out = outDir(name!);
      const run = await runVerifyCommand(['--base-url', baseUrl!, '--service-token', 'x'.repeat(40), '--out', out]);
      expect(run.exitCode).toBe(2);
      expect(run.report.verdict).toBe('BLOCKED');
      expect(failedCategories(run.report)).toEqual(['network']);
      expectLayout(out, false);
      const verdict = readFileSync(join(out, '40_verdict.md'), 'utf8');
      expect(verdict).toMatch(/^# Verdict: BLOCKED/);
      expect(verdict).toContain('**network**');
      expect(verdict).toContain('- [ ] ÉTAPE 6');
      expect(readFileSync(join(out, '20_outputs/network_verification.txt'), 'utf8')).toMatch(
        name === 'no-dns' ? /not resolved/ : /ECONNREFUSED/,
      );
    }
  });
});

describe.skipIf(!pgUp)('verify against the production build (dist/main.js, NODE_ENV=production, PostgreSQL)', () => {
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const databases = { good: `verify_e2e_good_${suffix}`, empty: `verify_e2e_empty_${suffix}` };
  const serviceToken = randomBytes(24).toString('hex');
  const servers: ProductionServer[] = [];
  let goodUrl = '';
  let emptyUrl = '';
  let apiKey = '';
  let good: ProductionServer;
  let serverEnv: Record<string, string> = {};
  let readOnlyExports: ProductionServer;
  let exportsDir = '';

  beforeAll(async () => {
    if (!existsSync(distMain) || !existsSync(distCli)) throw new Error('dist/ is missing: run `npm run build` first');
    // The mock data, read-only, as the image has it (root-owned there; here a-w).
    const mockData = join(root, 'mock-data');
    cpSync(join(packageDir, 'mock-data'), mockData, { recursive: true });
    for (const entry of [...readdirSync(mockData, { recursive: true, withFileTypes: true })]) {
      const path = join(entry.parentPath, entry.name);
      chmodSync(path, entry.isDirectory() ? 0o555 : 0o444);
    }
    chmodSync(mockData, 0o555);
    exportsDir = writableDir('exports');
    // Not writable by the server's user: a read-only folder; or, when the server runs as root (who
    // writes anywhere), a path whose parent is a file.
    let lockedExports = join(root, 'exports-read-only');
    mkdirSync(lockedExports, { mode: 0o555 });
    chmodSync(lockedExports, 0o555);
    if (isRoot && runAs.uid === undefined) {
      writeFileSync(join(root, 'not-a-folder'), '');
      lockedExports = join(root, 'not-a-folder', 'exports');
    }

    goodUrl = await createDatabase(databases.good);
    emptyUrl = await createDatabase(databases.empty);
    const base = { SERVICE_TOKEN: serviceToken, MOCK_MODE: 'true', MOCK_DATA_PATH: mockData, HOME: root };

    good = await startProductionServer({ ...base, DATABASE_URL: goodUrl, EXPORTS_PATH: exportsDir });
    servers.push(good);
    const seeded = runDistCli(['seed-mock', '--json'], { DATABASE_URL: goodUrl, MOCK_DATA_PATH: mockData });
    if (seeded.status !== 0) throw new Error(`seed-mock failed: ${seeded.stderr}`);
    const keys = (JSON.parse(seeded.stdout) as { api_keys: { tenant_id: string; key: string }[] }).api_keys;
    apiKey = keys.find((k) => k.tenant_id === TENANT)?.key ?? '';
    if (!apiKey) throw new Error(`seed-mock made no API key for ${TENANT}`);

    // The same database, exports folder not writable by the server's user.
    readOnlyExports = await startProductionServer({ ...base, DATABASE_URL: goodUrl, EXPORTS_PATH: lockedExports });
    servers.push(readOnlyExports);
    serverEnv = base;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await dropDatabase(databases.good).catch(() => undefined);
    await dropDatabase(databases.empty).catch(() => undefined);
  });

  it("gives PASS: the plan's checks, its proofs folder, no secret written", async () => {
    // The password is ignored by trust auth; it is here to prove it never reaches a proof file.
    const dbUrl = goodUrl.replace('postgres@', 'postgres:Pa55-not-for-the-proofs-4242@');
    const out = outDir('pass');
    const run = await runVerifyCommand([
      '--base-url',
      good.baseUrl,
      '--service-token',
      serviceToken,
      '--api-key',
      apiKey,
      '--database-url',
      dbUrl,
      '--tenant',
      TENANT,
      '--date',
      DATE,
      '--exports-dir',
      exportsDir,
      '--out',
      out,
    ]);
    const failed = run.report.checks.filter((c) => c.outcome === 'fail');
    expect(failed, `${run.via}: ${JSON.stringify(failed, null, 2)}\n${good.output()}`).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.report.verdict).toBe('PASS');
    expectLayout(out, true);
    expect(readFileSync(join(out, '40_verdict.md'), 'utf8')).toMatch(/^# Verdict: PASS/);

    const passed = new Set(run.report.checks.filter((c) => c.outcome === 'pass').map((c) => c.id));
    for (const id of [
      'network.api',
      'health',
      'health.database',
      'health.migrations',
      'health.mock_data',
      'health.exports',
      'ready',
      'env.MOCK_MODE',
      'env.DATABASE_URL',
      'env.SERVICE_TOKEN',
      'db.connect',
      'db.tables',
      'db.migrations',
      'db.seed_tenant',
      'db.seed_api_key',
      'api.tenants',
      'api.ingest_tickets',
      'api.ingest_time_entries',
      'api.compute',
      'api.kpis_daily',
      'api.wrong_token',
      'api.no_token',
      'api.exports',
      'volume.exports_files',
      'db.ingested',
      'db.kpi_daily',
    ]) {
      expect(passed.has(id), `check ${id} passed`).toBe(true);
    }
    const apiTests = readFileSync(join(out, '20_outputs/api_tests.txt'), 'utf8');
    for (const route of [
      '/internal/tenants',
      '/internal/ingest/tickets',
      '/internal/ingest/time_entries',
      '/internal/kpi/compute-daily',
      '/v1/kpis/daily',
      '/internal/exports/generate',
    ]) {
      expect(apiTests).toContain(route);
    }
    expect(readFileSync(join(out, '20_outputs/db_verification.txt'), 'utf8')).toMatch(/kpi_date/);
    expect(readFileSync(join(out, '10_commands.md'), 'utf8')).toContain('Bearer $SERVICE_TOKEN');
    expect(readdirSync(exportsDir, { recursive: true }).length).toBeGreaterThan(0);
    expectNoSecret(out, run.printed, [serviceToken, apiKey, 'Pa55-not-for-the-proofs-4242']);
    // The mock data stayed read-only and untouched.
    expect(statSync(join(root, 'mock-data')).mode & 0o222).toBe(0);
  });

  it('is BLOCKED (authentication) with a wrong service token', async () => {
    const out = outDir('wrong-token');
    const wrong = randomBytes(24).toString('hex');
    const run = await runVerifyCommand(['--base-url', good.baseUrl, '--service-token', wrong, '--api-key', apiKey, '--out', out]);
    expect(run.exitCode).toBe(2);
    expect(failedCategories(run.report)).toEqual(['authentication']);
    expect(run.report.checks.find((c) => c.id === 'api.tenants')).toMatchObject({ outcome: 'fail', category: 'authentication' });
    expect(readFileSync(join(out, '40_verdict.md'), 'utf8')).toContain('**authentication**');
    expectNoSecret(out, run.printed, [wrong, apiKey]);
  });

  it('is BLOCKED (authentication) without the tenant API key, and says how to get one', async () => {
    const out = outDir('no-api-key');
    const run = await runVerifyCommand(['--base-url', good.baseUrl, '--service-token', serviceToken, '--out', out]);
    expect(run.exitCode).toBe(2);
    expect(failedCategories(run.report)).toEqual(['authentication']);
    expect(run.report.checks.find((c) => c.id === 'api.kpis_daily')).toMatchObject({ outcome: 'fail', category: 'authentication' });
    expect(readFileSync(join(out, '40_verdict.md'), 'utf8')).toContain('api-key create');
  });

  it('is BLOCKED (migrations) when the database it is given has no tables', async () => {
    const out = outDir('empty-db-url');
    const run = await runVerifyCommand([
      '--base-url',
      good.baseUrl,
      '--service-token',
      serviceToken,
      '--api-key',
      apiKey,
      '--database-url',
      emptyUrl,
      '--out',
      out,
    ]);
    expect(run.exitCode).toBe(2);
    expect(failedCategories(run.report)).toEqual(['migrations']);
    for (const id of ['db.tables', 'db.migrations']) {
      expect(
        run.report.checks.find((c) => c.id === id),
        id,
      ).toMatchObject({ outcome: 'fail', category: 'migrations' });
    }
    expectLayout(out, true);
    expect(readFileSync(join(out, '20_outputs/migration_output.txt'), 'utf8')).toMatch(/schema_migrations: \(table missing/);
  });

  it('is BLOCKED (migrations) when the API runs on an empty database with RUN_MIGRATIONS=false', async () => {
    // The API must start and report the missing schema in /health (checks.migrations), not crash-loop.
    const emptyDb = await startProductionServer({
      ...serverEnv,
      DATABASE_URL: emptyUrl,
      EXPORTS_PATH: writableDir('exports-empty'),
      RUN_MIGRATIONS: 'false',
    });
    servers.push(emptyDb);
    const out = outDir('empty-db');
    const run = await runVerifyCommand([
      '--base-url',
      emptyDb.baseUrl,
      '--service-token',
      serviceToken,
      '--api-key',
      apiKey,
      '--database-url',
      emptyUrl,
      '--out',
      out,
    ]);
    expect(run.exitCode).toBe(2);
    expect(failedCategories(run.report)).toContain('migrations');
    expect(failedCategories(run.report)).not.toContain('network');
    expect(failedCategories(run.report)).not.toContain('database connection');
    for (const id of ['health.migrations', 'db.tables', 'db.migrations']) {
      expect(
        run.report.checks.find((c) => c.id === id),
        id,
      ).toMatchObject({ outcome: 'fail', category: 'migrations' });
    }
  });

  it('is BLOCKED (volumes) when the exports folder is not writable', async () => {
    const out = outDir('exports-read-only');
    const run = await runVerifyCommand([
      '--base-url',
      readOnlyExports.baseUrl,
      '--service-token',
      serviceToken,
      '--api-key',
      apiKey,
      '--out',
      out,
    ]);
    expect(run.exitCode).toBe(2);
    expect(failedCategories(run.report)).toEqual(['volumes']);
    for (const id of ['health.exports', 'api.exports']) {
      expect(
        run.report.checks.find((c) => c.id === id),
        id,
      ).toMatchObject({ outcome: 'fail', category: 'volumes' });
    }
    expect(readFileSync(join(out, '40_verdict.md'), 'utf8')).toContain('**volumes**');
  });
});
