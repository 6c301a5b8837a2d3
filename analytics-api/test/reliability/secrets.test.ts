import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/config/config.js';
import type { Database } from '../../src/db/database.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createApiKey, createTenant, revokeApiKeys } from '../../src/tenants/tenant-service.js';
import { startServer, type ServerProcess } from '../helpers/processes.js';
import { onPostgres, postgresOnly } from '../helpers/test-database.js';
import { createPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
import { waitFor } from './support.js';

const SERVICE_TOKEN = 'svc-Secret-Token-for-log-test-0123456789ABCDEF';
const JWT_SECRET_KEY = 'jwt-Secret-Key-for-log-test-0123456789ABCDEFGH';
const REDIS_PASSWORD = 'redis-Passw0rd-for-log-test';
const WRONG_TOKEN = 'wrong-Presented-Token-0123456789abcdefghijklmn';

// A real process with its real logger, on a private PostgreSQL whose role has a password.
describe.skipIf(!onPostgres)(
  postgresOnly(
    'no secret in the logs (LOG_LEVEL=debug, real process)',
    'it checks that a PostgreSQL password never reaches the logs of a real process, and PGlite has no password',
  ),
  () => {
    let pg: PrivatePostgres;
    let server: ServerProcess;
    let db: Database;
    const secrets: Record<string, string> = {};

    beforeAll(async () => {
      pg = await createPrivatePostgres();
      server = await startServer({
        DATABASE_URL: pg.url,
        SERVICE_TOKEN,
        JWT_SECRET_KEY,
        // Nothing listens there: the client logs connection errors, which must not carry the password.
        REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:6390/0`,
        LOG_LEVEL: 'debug',
        EXPORTS_PATH: mkdtempSync(join(tmpdir(), 'exports-')),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'data-')),
        MOCK_MODE: 'false',
      });
      db = openPostgres({ connectionString: pg.url, applicationName: 'secrets-test' });
      const tenantId = (await createTenant(db, { name: 'Secrets MSP' })).id;
      const apiKey = (await createApiKey(db, tenantId, 'live')).key;
      const other = (await createTenant(db, { name: 'Revoked MSP' })).id;
      const revokedKey = (await createApiKey(db, other, 'revoked')).key;
      await revokeApiKeys(db, other, { key: revokedKey });
      Object.assign(secrets, { SERVICE_TOKEN, JWT_SECRET_KEY, REDIS_PASSWORD, WRONG_TOKEN, apiKey, revokedKey, dbPassword: pg.password });
      secrets.tenantId = tenantId; // not a secret: used below to build requests
    });
    afterAll(async () => {
      await server?.stop('SIGKILL');
      await db?.close().catch(() => undefined);
      pg?.destroy();
    });

    it('never writes the service token, API keys, JWTs, the JWT secret or the database and Redis passwords to stdout/stderr', async () => {
      const base = server.baseUrl;
      const call = async (url: string, init: RequestInit = {}) => {
        const res = await fetch(`${base}${url}`, init);
        return { status: res.status, body: await res.text() };
      };
      const tenantId = secrets.tenantId!;
      const json = { 'content-type': 'application/json' };

      expect((await call('/internal/tenants', { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } })).status).toBe(200);
      expect((await call('/internal/tenants', { headers: { authorization: `Bearer ${WRONG_TOKEN}` } })).status).toBe(401);
      expect((await call('/internal/tenants', { headers: { authorization: `Token ${SERVICE_TOKEN}` } })).status).toBe(401);
      expect((await call('/internal/tenants', { headers: { 'x-api-key': secrets.apiKey! } })).status).toBe(401);
      const ingest = await call(`/internal/ingest/tickets?tenant_id=${tenantId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SERVICE_TOKEN}`, ...json },
        body: JSON.stringify([{ external_id: 'S-1', created_at: '2026-01-10T09:00:00Z' }, { external_id: 'S-2' }]),
      });
      expect(ingest.status).toBe(200);
      expect(
        (
          await call(`/internal/ingest/tickets?tenant_id=${tenantId}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${SERVICE_TOKEN}`, ...json },
            body: '[{',
          })
        ).status,
      ).toBe(400);

      const token = await call('/v1/auth/token', { method: 'POST', headers: { 'x-api-key': secrets.apiKey! } });
      expect(token.status).toBe(200);
      const jwt = JSON.parse(token.body).access_token as string;
      secrets.jwt = jwt;
      secrets.jwtSignature = jwt.split('.')[2]!;
      expect((await call('/v1/kpis/daily?date=2026-01-10', { headers: { 'x-api-key': secrets.apiKey! } })).status).toBe(404);
      expect((await call('/v1/kpis/daily?date=2026-01-10', { headers: { authorization: `Bearer ${jwt}` } })).status).toBe(404);
      expect((await call('/v1/kpis/daily?date=2026-01-10', { headers: { authorization: `Bearer ${jwt}x` } })).status).toBe(401);
      expect((await call('/v1/kpis/daily?date=2026-01-10', { headers: { 'x-api-key': secrets.revokedKey! } })).status).toBe(401);
      expect((await call('/v1/auth/token', { method: 'POST', headers: { 'x-api-key': secrets.revokedKey! } })).status).toBe(401);
      expect((await call('/nope')).status).toBe(404);

      // Database errors are logged with their cause: the cause must not carry the connection string.
      pg.stop();
      expect((await call('/internal/tenants', { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } })).status).toBe(503);
      expect((await call('/ready')).status).toBe(503);
      pg.start();
      await waitFor(async () => (await call('/ready')).status === 200, 10_000, 'the API to see the database again');

      expect(await server.stop('SIGTERM')).toBe(0);
      const output = server.output();
      // The logs are really there, at debug level, and they did record the refusals and the outage.
      expect(output.split('\n').filter((line) => line.includes('"incoming request"')).length).toBeGreaterThan(15);
      expect(output).toMatch(/database unavailable/);
      expect(output).toMatch(/redis/i);
      for (const [name, value] of Object.entries(secrets)) {
        if (name === 'tenantId') continue;
        expect(output.includes(value), `${name} appears in the logs`).toBe(false);
      }
      expect(output).not.toMatch(/postgres(ql)?:\/\/[^\s"]*:[^\s"@]+@/); // no URL with credentials
    });
  },
);

describe('SERVICE_TOKEN shorter than 32 characters', () => {
  it('is refused at start: exit 1 and one line naming SERVICE_TOKEN, without its value', () => {
    const short = 'short-Token-31-characters-long!';
    expect(short.length).toBe(31);
    const result = spawnSync(process.execPath, ['--import', 'tsx', resolve(packageRoot, 'src/main.ts')], {
      cwd: packageRoot,
      env: { PATH: process.env.PATH ?? '', SERVICE_TOKEN: short, DATABASE_URL: 'postgres://app:pw@127.0.0.1:1/none', PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    const lines = `${result.stdout}${result.stderr}`.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/SERVICE_TOKEN/);
    expect(lines[0]).toMatch(/at least 32 characters/);
    expect(lines[0]).not.toContain(short);
  });
});
