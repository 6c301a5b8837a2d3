/**
 * Not a test: the mock tenants end to end over HTTP (the real app, in process): seed, ingest the
 * mock files, compute 2026-01-24 for the demo tenant and print the numbers, then time one
 * 366-day compute-daily call against 366 single-day calls. Run from analytics-api/:
 *
 *   npx tsx test/kpi/bench-mock.ts                        # embedded PGlite, in memory
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/some_empty_db npx tsx test/kpi/bench-mock.ts
 */
import { CredentialCache } from '../../src/auth/credential-cache.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JwtCodec } from '../../src/auth/jwt.js';
import { loadConfig, packageRoot } from '../../src/config/config.js';
import type { Database } from '../../src/db/database.js';
import { ActiveRuns } from '../../src/ingest/active-runs.js';
import { migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';
import { HealthService } from '../../src/health/health-service.js';
import { buildApp } from '../../src/http/app.js';
import type { AppContext } from '../../src/http/context.js';
import { ExportQueue } from '../../src/exports/export-lock.js';
import { seedMockTenants } from '../../src/tenants/tenant-service.js';
import { addDays } from './reference.js';
import { primaryReads } from '../../src/db/read-side.js';
import { KpiReadCache } from '../../src/kpi/read-cache.js';

const TOKEN = 'bench-service-token-0123456789abcdefghijklmnop';
const DEMO = '550e8400-e29b-41d4-a716-446655440000';

async function main(): Promise<void> {
  const url = process.env['BENCH_DATABASE_URL'];
  const db: Database = url ? openPostgres({ connectionString: url, applicationName: 'kpi-bench' }) : await openPglite(undefined);
  await migrate(db);
  const config = loadConfig({
    SERVICE_TOKEN: TOKEN,
    MOCK_MODE: 'true',
    MOCK_DATA_PATH: resolve(packageRoot, 'mock-data'),
    EXPORTS_PATH: mkdtempSync(join(tmpdir(), 'exports-')),
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const ctx: AppContext = {
    config,
    db,
    reads: primaryReads(db),
    health: new HealthService(config, db, undefined, 'bench'),
    jwt: new JwtCodec('bench-jwt-secret-0123456789abcdefghijklmnopqrstuv', 900),
    redis: undefined,
    serviceToken: TOKEN,
    readCache: new KpiReadCache(undefined),
    activeRuns: new ActiveRuns(),
    exportQueue: new ExportQueue(),
    credentials: new CredentialCache(),
  };
  const app = await buildApp(ctx, { logger: false });
  await app.ready();
  const headers = { authorization: `Bearer ${TOKEN}` };
  const seeded = await seedMockTenants(db, config.mockDataPath);
  for (const tenant of seeded.tenants) {
    for (const entity of ['tickets', 'time_entries']) {
      const res = await app.inject({ method: 'POST', url: `/internal/ingest/${entity}?tenant_id=${tenant.id}`, headers });
      const body = res.json();
      console.log(
        `${tenant.name} ${entity}: ${res.statusCode} received ${body.received} inserted ${body.inserted} rejected ${body.rejected}`,
      );
    }
  }
  await db.query('ANALYZE raw_tickets');
  await db.query('ANALYZE raw_time_entries');

  const day = await app.inject({ method: 'POST', url: `/internal/kpi/compute-daily?tenant_id=${DEMO}&date=2026-01-24`, headers });
  console.log(`compute 2026-01-24: ${day.statusCode}`);
  console.log(JSON.stringify(day.json(), null, 1));
  const key = seeded.api_keys.find((k) => k.tenant_id === DEMO)?.key;
  if (key) {
    const read = await app.inject({
      method: 'GET',
      url: '/v1/kpis/daily?date=2026-01-24&group_by=technician',
      headers: { 'x-api-key': key },
    });
    console.log(`GET /v1/kpis/daily group_by=technician: ${read.statusCode}, ${read.json().groups?.length} groups`);
  }

  const from = '2025-06-01';
  let started = performance.now();
  const range = await app.inject({
    method: 'POST',
    url: `/internal/kpi/compute-daily?tenant_id=${DEMO}&from=${from}&to=${addDays(from, 365)}`,
    headers,
  });
  const rangeMs = performance.now() - started;
  console.log(`one call, ${range.json().items.length} days: ${rangeMs.toFixed(0)} ms`);
  started = performance.now();
  for (let d = 0; d < 366; d += 1) {
    const res = await app.inject({
      method: 'POST',
      url: `/internal/kpi/compute-daily?tenant_id=${DEMO}&date=${addDays(from, d)}`,
      headers,
    });
    if (res.statusCode !== 200) throw new Error(res.body);
  }
  const singlesMs = performance.now() - started;
  console.log(`366 single-day calls: ${singlesMs.toFixed(0)} ms; ratio ${(singlesMs / rangeMs).toFixed(1)}×`);
  await app.close();
  await db.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
