import { CredentialCache } from '../../src/auth/credential-cache.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { JwtCodec } from '../../src/auth/jwt.js';
import { loadConfig, packageRoot, type Config } from '../../src/config/config.js';
import { HealthService } from '../../src/health/health-service.js';
import { buildApp } from '../../src/http/app.js';
import type { AppContext } from '../../src/http/context.js';
import { primaryReads } from '../../src/db/read-side.js';
import { KpiReadCache } from '../../src/kpi/read-cache.js';
import { ActiveRuns } from '../../src/ingest/active-runs.js';
import { ExportQueue } from '../../src/exports/export-lock.js';
import { connectRedis } from '../../src/redis/redis-connection.js';
import { LogCapture, registerSecret } from './log-capture.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_SERVICE_TOKEN = 'test-service-token-0123456789abcdefghijklmnop';
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdefghijklmnopqrstuv';
export const MOCK_DATA_PATH = resolve(packageRoot, 'mock-data');
export const DEMO_TENANT_ID = '550e8400-e29b-41d4-a716-446655440000';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  config: Config;
  database: TestDatabase;
  /** Every log line the app wrote (checked for secrets as written; close() fails on a leak). */
  logs: LogCapture;
  /** `{ authorization: 'Bearer <service token>' }` */
  internalHeaders: Record<string, string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Runs after buildApp and before ready(): a test may add a route of its own (e.g. a probe in a /v1 scope). */
  beforeReady?: (app: FastifyInstance, ctx: AppContext) => Promise<void> | void;
}

/** The real HTTP app (inject or listen) on a database of its own. */
export async function createTestApp(
  env: Record<string, string> = {},
  database?: TestDatabase,
  options: TestAppOptions = {},
): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const config = loadConfig({
    SERVICE_TOKEN: TEST_SERVICE_TOKEN,
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    MOCK_MODE: 'true',
    MOCK_DATA_PATH,
    EXPORTS_PATH: mkdtempSync(join(tmpdir(), 'exports-')),
    // Every line is kept in memory and checked for secrets (log-capture.ts), not printed.
    LOG_LEVEL: 'trace',
    // Tests fire far more requests than a client would; the limits have their own tests
    // (test/reliability/rate-limits.test.ts), which set these explicitly.
    RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_FAILURES_PER_MINUTE: '1000000',
    ...env,
  });
  const redis = config.redisUrl ? connectRedis(config.redisUrl, () => undefined) : undefined;
  const ctx: AppContext = {
    config,
    db: db.db,
    reads: primaryReads(db.db),
    health: new HealthService(config, db.db, redis, 'test'),
    jwt: config.jwtSecretKey ? new JwtCodec(config.jwtSecretKey, config.jwtTtlSeconds) : undefined,
    redis,
    serviceToken: config.serviceToken!,
    readCache: new KpiReadCache(redis),
    activeRuns: new ActiveRuns(),
    exportQueue: new ExportQueue(),
    credentials: new CredentialCache(),
  };
  for (const secret of [config.serviceToken, config.serviceTokenPrevious, config.jwtSecretKey]) registerSecret(secret);
  const logs = new LogCapture();
  const app = await buildApp(ctx, { logStream: logs });
  await options.beforeReady?.(app, ctx);
  await app.ready();
  return {
    app,
    ctx,
    config,
    database: db,
    logs,
    internalHeaders: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` },
    async close() {
      await app.close();
      await redis?.close();
      if (!database) await db.drop();
      logs.assertNoSecrets();
    },
  };
}

/** An HS256 tenant token signed with the test secret, as /v1/auth/token would issue it. */
export async function signTestJwt(tenantId: string, expiresIn: string | number = '5m'): Promise<string> {
  const { SignJWT } = await import('jose');
  return new SignJWT({ tenant_id: tenantId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}
