/**
 * The `nightly` group: the nightly cycle of many small tenants, as n8n runs it against two API
 * replicas (two service processes on one PostgreSQL, requests alternating between them as a load
 * balancer without affinity would): per tenant, mock-mode ingest of tickets and time entries, the
 * KPIs of the last 31 days (one range call), then the Power BI export (CSV and Parquet). A few
 * tenant cycles run at once (NIGHTLY_CONCURRENCY). The figure is the wall time per tenant; the notes
 * give tenant-seconds per second (the summed per-tenant cycle times over the wall time: how many
 * cycles the pair carries at once), tenants per second, the extrapolation to 5,000 tenants, and the
 * database's size per 10,000 tickets (docs/scaling.md uses all of these).
 *
 * Data: each tenant gets its own ~1,500 tickets from the project's mock-data generator (its own
 * seed), cached under bench/data/nightly-<tenants>x<tickets>-<seed>/ as a MOCK_DATA_PATH folder.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTenantData } from '../../src/mockgen/generate.js';
import { MOCK_TENANT_PROFILES } from '../../src/mockgen/tenants.js';
import { writeJsonArrayFile } from '../../src/mockgen/json-array-writer.js';
import { addDays } from '../../src/kpi/dates.js';
import { dataRoot, ensureDir, formatNumber, log, median, now } from '../lib/common.js';
import type { BenchContext } from '../lib/context.js';
import { createDatabase, withClient } from '../lib/pg.js';
import { errorRow, limitRow, type ResultRow } from '../lib/report.js';
import { cli, expectStatus, Service } from '../lib/service.js';

const SEED = 'msp-nightly-1';
const WINDOW = { from: '2025-08-01', to: '2026-01-31' } as const;
const KPI_TO = WINDOW.to;
const KPI_FROM = addDays(KPI_TO, -30);
const TICKETS_PER_TENANT = 1_500;
const CONCURRENCY = Number(process.env.NIGHTLY_CONCURRENCY ?? 4);
/** 5,000 tenants in a 4-hour night: the budget per tenant of wall time, on one VPS. */
const TARGET_TENANTS = 5_000;
const NIGHT_MS = 4 * 3600 * 1000;

/** The tenant ids: fixed, so the cached data stays valid. */
function tenantId(index: number): string {
  return `6e1a0000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

async function ensureNightlyData(tenants: number): Promise<string> {
  const dir = join(dataRoot, `nightly-${tenants}x${TICKETS_PER_TENANT}-${SEED}`);
  const done = join(dir, 'tenants.json');
  if (existsSync(done)) {
    log(`nightly: reusing ${dir}`);
    return dir;
  }
  const t0 = now();
  ensureDir(dir);
  const list = [];
  for (let i = 0; i < tenants; i += 1) {
    const base = MOCK_TENANT_PROFILES[i % MOCK_TENANT_PROFILES.length]!;
    const id = tenantId(i);
    const profile = { ...base, tenant: { ...base.tenant, id } };
    const data = generateTenantData(profile, { seed: `${SEED}-${i}`, ...WINDOW, tickets: TICKETS_PER_TENANT, format: 'canonical' });
    ensureDir(join(dir, id));
    await writeJsonArrayFile(
      join(dir, id, 'tickets.json'),
      (function* () {
        for (const { record } of data.tickets) yield record;
      })(),
    );
    await writeJsonArrayFile(
      join(dir, id, 'time_entries.json'),
      (function* () {
        for (const { record } of data.time_entries) yield record;
      })(),
    );
    list.push({ id, name: `Nightly MSP ${i}`, timezone: base.tenant.timezone, daily_capacity_hours: 8, source: 'canonical' });
  }
  // Written last: its presence means the folder is complete.
  writeFileSync(done, `${JSON.stringify(list, null, 2)}\n`);
  log(`nightly: generated ${tenants} tenants × ${TICKETS_PER_TENANT} tickets in ${((now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

export async function nightlyRows(ctx: BenchContext): Promise<ResultRow[]> {
  const tenants = ctx.quick ? 20 : 200;
  const path = `nightly cycle, ${tenants} tenants × ~${formatNumber(TICKETS_PER_TENANT)} tickets, two API replicas`;
  const target = `< ${formatNumber(NIGHT_MS / TARGET_TENANTS)} ms/tenant (5,000 tenants in 4 h)`;
  let db: Awaited<ReturnType<typeof createDatabase>> | undefined;
  const exportsDir = mkdtempSync(join(ctx.scratch, 'nightly-exports-'));
  const services: Service[] = [];
  try {
    const dataDir = await ensureNightlyData(tenants);
    db = await createDatabase('nightly');
    const env = { MOCK_MODE: 'true', MOCK_DATA_PATH: dataDir, EXPORTS_PATH: exportsDir };
    await cli(db.url, ['migrate']);
    await cli(db.url, ['seed-mock'], env);
    for (const label of ['nightly-a', 'nightly-b'])
      services.push(await Service.start({ databaseUrl: db.url, label, env: { ...env, RUN_MIGRATIONS: 'false' } }));
    let turn = 0;
    const next = () => services[turn++ % services.length]!;

    const cycles: number[] = [];
    const steps = { ingest: [] as number[], kpi: [] as number[], export: [] as number[] };
    const queue = Array.from({ length: tenants }, (_, i) => tenantId(i));
    const t0 = now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          const c0 = now();
          for (const entity of ['tickets', 'time_entries']) {
            expectStatus(await next().internal('POST', `/internal/ingest/${entity}?tenant_id=${id}`), 200, `ingest ${entity}`);
          }
          const c1 = now();
          expectStatus(
            await next().internal('POST', `/internal/kpi/compute-daily?tenant_id=${id}&from=${KPI_FROM}&to=${KPI_TO}`),
            200,
            'compute-daily',
          );
          const c2 = now();
          expectStatus(await next().internal('POST', `/internal/exports/generate?tenant_id=${id}`), 201, 'export');
          const c3 = now();
          steps.ingest.push(c1 - c0);
          steps.kpi.push(c2 - c1);
          steps.export.push(c3 - c2);
          cycles.push(c3 - c0);
        }
      }),
    );
    const wallMs = now() - t0;
    const perTenantMs = wallMs / tenants;
    const tenantSecondsPerSecond = cycles.reduce((a, b) => a + b, 0) / wallMs;
    const tenantsPerSecond = (tenants * 1000) / wallMs;
    const hoursFor5000 = TARGET_TENANTS / tenantsPerSecond / 3600;
    const size = await withClient(db.url, async (c) => {
      const { rows } = await c.query<{ tickets: number; entries: number; raw_bytes: number; kpi_bytes: number; total_bytes: number }>(
        `SELECT (SELECT count(*) FROM raw_tickets)::int AS tickets, (SELECT count(*) FROM raw_time_entries)::int AS entries,
                (pg_total_relation_size('raw_tickets') + pg_total_relation_size('raw_time_entries'))::float8 AS raw_bytes,
                (pg_total_relation_size('kpi_daily') + pg_total_relation_size('kpi_daily_breakdown'))::float8 AS kpi_bytes,
                pg_database_size(current_database())::float8 AS total_bytes`,
      );
      return rows[0]!;
    });
    const mbPer10k = (bytes: number) => ((bytes / size.tickets) * 10_000) / 1e6;
    log(
      `nightly: ${tenants} tenants in ${(wallMs / 1000).toFixed(1)} s (${perTenantMs.toFixed(0)} ms/tenant, ${tenantSecondsPerSecond.toFixed(2)} tenant-s/s)`,
    );
    return [
      limitRow(
        'nightly_cycle',
        path,
        {
          value: perTenantMs,
          unit: 'ms/tenant',
          label: `wall time ÷ tenants, ${CONCURRENCY} tenant cycles in flight over two service processes`,
        },
        NIGHT_MS / TARGET_TENANTS,
        [
          `${tenants} tenants in ${(wallMs / 1000).toFixed(1)} s: ${tenantsPerSecond.toFixed(2)} tenants/s, ${tenantSecondsPerSecond.toFixed(2)} tenant-seconds per second (per-tenant cycle median ${median(cycles).toFixed(0)} ms: ingest ${median(steps.ingest).toFixed(0)}, 31 KPI days ${median(steps.kpi).toFixed(0)}, export ${median(steps.export).toFixed(0)} ms)`,
          `extrapolated: 5,000 tenants in ${hoursFor5000.toFixed(2)} h at this rate (linear: same size per tenant, same machine)`,
          `database after the cycle: ${formatNumber(size.tickets)} tickets, ${formatNumber(size.entries)} time entries; per 10,000 tickets ${mbPer10k(size.raw_bytes).toFixed(1)} MB of raw records (with their time entries and indexes), ${mbPer10k(size.kpi_bytes).toFixed(1)} MB of KPI rows (31 days), ${mbPer10k(size.total_bytes).toFixed(1)} MB of database in all`,
        ],
        {
          tenants,
          concurrency: CONCURRENCY,
          wall_ms: wallMs,
          tenants_per_second: tenantsPerSecond,
          tenant_seconds_per_second: tenantSecondsPerSecond,
          hours_for_5000_tenants: hoursFor5000,
          cycle_ms: cycles,
          ingest_ms: steps.ingest,
          kpi_ms: steps.kpi,
          export_ms: steps.export,
          database: size,
        },
      ),
    ];
  } catch (error) {
    log(`nightly: error: ${String(error)}`);
    return [errorRow('nightly_cycle', path, target, error)];
  } finally {
    for (const service of services) await service.stop();
    await db?.drop();
    rmSync(exportsDir, { recursive: true, force: true });
  }
}
