/**
 * The rows that share one database holding a large tenant (its whole mock history ingested from a
 * mock file, which is the "ingest memory" row) and a small one (its last days, record for record):
 * ingest memory, KPI day cost, KPI range, public API, export.
 */
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureDir, formatNumber, log, median, now, packageRoot, sleep } from '../lib/common.js';
import type { BenchContext } from '../lib/context.js';
import { KPI_DAY, LARGE_TENANT, MID_TENANT, MID_WINDOW, SMALL_TENANT } from '../lib/dataset.js';
import { autocannon, type LoadResult } from '../lib/load.js';
import { createDatabase, psql, vacuumAnalyze, withClient, type BenchDatabase } from '../lib/pg.js';
import { atLeast, atMost, errorRow, limitRow, ratioRow, type ResultRow } from '../lib/report.js';
import { TABLES } from '../../src/exports/tables.js';
import { COMPUTE_ONLY, SESSION_SETTINGS } from '../../src/kpi/compute.sql.js';
import { addDays } from '../../src/kpi/dates.js';
import { DEFAULT_CONFIG, kpiSettings } from '../../src/tenant-config/config-schema.js';
import { checkpoint } from './ingest.js';
import { cli, expectStatus, freePort, profilingArgs, request, RssSampler, Service } from '../lib/service.js';

const MB = 1024 * 1024;

interface SeedOutput {
  api_keys: { tenant_id: string; key: string }[];
}

interface IngestSummary {
  received: number;
  inserted: number;
  rejected: number;
}

export interface LargeState {
  db: BenchDatabase;
  apiKey: string | undefined;
  loaded: boolean;
}

/** Mock-mode ingest of one tenant's file; returns the summary and wall time. */
async function mockIngest(
  service: Service,
  tenantId: string,
  entity: 'tickets' | 'time_entries',
): Promise<{ summary: IngestSummary; ms: number }> {
  const t0 = now();
  const res = expectStatus(
    await service.internal('POST', `/internal/ingest/${entity}?tenant_id=${tenantId}`),
    200,
    `mock ingest of ${entity} (${tenantId})`,
  );
  const { received, inserted, rejected } = JSON.parse(res.body) as IngestSummary;
  return { summary: { received, inserted, rejected }, ms: now() - t0 };
}

/**
 * ingest memory: peak RSS of a freshly started service while it ingests the large tenant's mock file
 * (MOCK_MODE, POST without a body). The rest of the data set is then loaded the same way (not timed).
 */
export async function loadLarge(ctx: BenchContext, state: LargeState): Promise<ResultRow[]> {
  const n = ctx.dataset.large.ticketCount;
  const path = `ingest memory (${formatNumber(n)}-ticket mock file)`;
  const mockEnv = { MOCK_MODE: 'true', MOCK_DATA_PATH: ctx.dataset.dir };
  try {
    await cli(state.db.url, ['migrate']);
    const seeded = await cli<SeedOutput>(state.db.url, ['seed-mock'], mockEnv);
    state.apiKey = seeded.api_keys.find((k) => k.tenant_id === LARGE_TENANT.id)?.key;

    const service = await Service.start({
      databaseUrl: state.db.url,
      label: 'ingest-memory',
      env: mockEnv,
      nodeArgs: profilingArgs(ctx.cpuProf, 'ingest-memory'),
    });
    let row: ResultRow;
    try {
      const idle = service.memory();
      const sampler = new RssSampler(service.pid);
      log(`ingest memory: mock ingest of ${formatNumber(n)} tickets (idle RSS ${((idle?.rss ?? 0) / MB).toFixed(0)} MB)`);
      const tickets = await mockIngest(service, LARGE_TENANT.id, 'tickets');
      const peak = sampler.stop();
      const rate = tickets.summary.received / (tickets.ms / 1000);
      row = limitRow(
        'ingest_memory',
        path,
        { value: peak / MB, unit: 'MB', label: 'peak RSS of the service process (VmHWM / sampled VmRSS)' },
        512,
        [
          `${formatNumber(tickets.summary.received)} records in ${(tickets.ms / 1000).toFixed(1)} s (${formatNumber(rate)} rec/s); idle RSS ${((idle?.rss ?? 0) / MB).toFixed(0)} MB`,
        ],
        { summary: tickets.summary, ms: tickets.ms, idle_rss_mb: (idle?.rss ?? 0) / MB },
      );
      log(`ingest memory: peak ${(peak / MB).toFixed(0)} MB, ${formatNumber(rate)} rec/s`);

      // The rest of the data set, through the same path (setup, not measured).
      const entries = await mockIngest(service, LARGE_TENANT.id, 'time_entries');
      log(
        `setup: ${formatNumber(entries.summary.received)} time entries in ${(entries.ms / 1000).toFixed(1)} s (${formatNumber(entries.summary.received / (entries.ms / 1000))} rec/s)`,
      );
      for (const tenant of [SMALL_TENANT.id, MID_TENANT.id]) {
        await mockIngest(service, tenant, 'tickets');
        await mockIngest(service, tenant, 'time_entries');
      }
      row.details = {
        ...row.details,
        time_entries: entries.summary,
        time_entries_ms: entries.ms,
        peak_rss_mb_with_time_entries: new RssSampler(service.pid).stop() / MB,
      };
    } finally {
      await service.stop();
    }
    log('setup: VACUUM (ANALYZE)');
    await vacuumAnalyze(state.db.url);
    state.loaded = true;
    return [row];
  } catch (error) {
    log(`ingest memory: error: ${String(error)}`);
    return [errorRow('ingest_memory', path, '< 512 MB', error)];
  }
}

/**
 * Removes the tenant's stored KPIs of from..to and vacuums the KPI tables, so that each arm of the
 * comparison starts from the same state: nothing stored for those days, no dead rows left behind.
 */
async function clearStoredKpis(url: string, tenantId: string, from: string, to: string): Promise<void> {
  await withClient(url, async (c) => {
    for (const table of ['kpi_daily', 'kpi_daily_breakdown']) {
      await c.query(`DELETE FROM ${table} WHERE tenant_id = $1::uuid AND kpi_date BETWEEN $2::date AND $3::date`, [tenantId, from, to]);
      await c.query(`VACUUM ANALYZE ${table}`);
    }
  });
}

/**
 * `days` sequential single-day calls ending on `to`, then one range call over the same days, three
 * times (the median is the row's figure); every arm starts with nothing stored for those days. Both
 * paths are warmed up first, as for the KPI day cost row: a single-day call and a range call, whose
 * times are reported but not compared (the first range call of a process also opens a second
 * database connection and plans its statements cold, which the single days pay once in 366 calls).
 */
async function rangeVersusDays(
  service: Service,
  url: string,
  tenantId: string,
  days: number,
  to: string,
): Promise<{ singleMs: number; rangeMs: number; rangeRunsMs: number[]; coldRangeMs: number }> {
  const from = addDays(to, -(days - 1));
  const rangeCall = async () => {
    await clearStoredKpis(url, tenantId, from, to);
    const res = expectStatus(
      await service.internal('POST', `/internal/kpi/compute-daily?tenant_id=${tenantId}&from=${from}&to=${to}`),
      200,
      'compute-daily range',
    );
    const items = (JSON.parse(res.body) as { items?: unknown[] }).items?.length ?? 0;
    if (items !== days) throw new Error(`the range call returned ${items} days, expected ${days}`);
    return res.ms;
  };
  await computeDay(service, tenantId, to);
  const coldRangeMs = await rangeCall();
  await clearStoredKpis(url, tenantId, from, to);
  log(`KPI range: ${days} single-day calls ${from}..${to} (${tenantId})`);
  const t0 = now();
  for (let i = 0; i < days; i += 1) await computeDay(service, tenantId, addDays(from, i));
  const singleMs = now() - t0;
  log(`KPI range: one call for ${from}..${to}, three times`);
  const rangeRunsMs: number[] = [];
  for (let i = 0; i < 3; i += 1) rangeRunsMs.push(await rangeCall());
  const rangeMs = median(rangeRunsMs);
  log(
    `KPI range: ${(singleMs / 1000).toFixed(1)} s for ${days} single-day calls, ${(rangeMs / 1000).toFixed(2)} s for one range call (median of ${rangeRunsMs.map((ms) => ms.toFixed(0)).join(', ')} ms; first of the process ${coldRangeMs.toFixed(0)} ms)`,
  );
  return { singleMs, rangeMs, rangeRunsMs, coldRangeMs };
}

async function computeDay(service: Service, tenantId: string, date: string): Promise<number> {
  const res = expectStatus(
    await service.internal('POST', `/internal/kpi/compute-daily?tenant_id=${tenantId}&date=${date}`),
    200,
    `compute-daily ${date}`,
  );
  return res.ms;
}

/** EXPLAIN (ANALYZE, BUFFERS) of the KPI statement (compute only, nothing stored) into bench/out/. */
async function explainKpi(ctx: BenchContext, url: string, tenantId: string, from: string, to: string, name: string): Promise<void> {
  const file = join(ctx.scratch, '..', `explain-${name}.txt`);
  await withClient(url, async (c) => {
    // The service's own session settings for the statement (jit, work_mem, …), in a transaction.
    await c.query('BEGIN');
    try {
      await c.query(SESSION_SETTINGS);
      const { rows } = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${COMPUTE_ONLY}`, [
        tenantId,
        from,
        to,
        LARGE_TENANT.timezone,
        8,
        JSON.stringify(kpiSettings(DEFAULT_CONFIG)),
      ]);
      writeFileSync(file, `${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
    } finally {
      await c.query('ROLLBACK');
    }
  });
  log(`explain: ${file}`);
}

export async function kpiRows(ctx: BenchContext, state: LargeState, service: Service): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  if (ctx.explain && state.loaded) {
    const from = addDays(KPI_DAY, -(ctx.sizes.rangeDays - 1));
    for (const [tenant, name] of [
      [LARGE_TENANT.id, 'large-day'],
      [SMALL_TENANT.id, 'small-day'],
    ] as const) {
      await explainKpi(ctx, state.db.url, tenant, KPI_DAY, KPI_DAY, name).catch((e: unknown) => log(`explain ${name}: ${String(e)}`));
    }
    await explainKpi(ctx, state.db.url, MID_TENANT.id, from, KPI_DAY, 'mid-range').catch((e: unknown) =>
      log(`explain range: ${String(e)}`),
    );
  }
  const dayPath = `KPI day cost (${formatNumber(ctx.dataset.large.ticketCount)} vs ${formatNumber(ctx.dataset.small.ticketCount)} tickets)`;
  try {
    if (!state.loaded) throw new Error('the large tenant could not be loaded');
    // Warm-up: the first call of each pays for plan caching and cold pages.
    await computeDay(service, LARGE_TENANT.id, KPI_DAY);
    await computeDay(service, SMALL_TENANT.id, KPI_DAY);
    const large: number[] = [];
    const small: number[] = [];
    for (let i = 0; i < ctx.sizes.kpiRepeats; i += 1) {
      large.push(await computeDay(service, LARGE_TENANT.id, KPI_DAY));
      small.push(await computeDay(service, SMALL_TENANT.id, KPI_DAY));
    }
    const counts = await withClient(state.db.url, async (c) => {
      const sql = `SELECT tenant_id::text, count(*)::int AS n FROM raw_tickets
                    WHERE (created_at AT TIME ZONE $2)::date = $1::date GROUP BY tenant_id`;
      return (await c.query<{ tenant_id: string; n: number }>(sql, [KPI_DAY, LARGE_TENANT.timezone])).rows;
    });
    const opened = (id: string) => counts.find((c) => c.tenant_id === id)?.n ?? 0;
    rows.push(
      ratioRow(
        'kpi_day',
        dayPath,
        { value: median(large), unit: 'ms', label: `median of ${large.length} compute-daily calls, large tenant` },
        { value: median(small), unit: 'ms', label: `median of ${small.length} calls, small tenant` },
        atMost(2, 'small tenant'),
        [`${KPI_DAY}: ${opened(LARGE_TENANT.id)} vs ${opened(SMALL_TENANT.id)} tickets opened that day (same records)`],
        { large_ms: large, small_ms: small },
      ),
    );
  } catch (error) {
    log(`KPI day cost: error: ${String(error)}`);
    rows.push(errorRow('kpi_day', dayPath, '≤ 2× small tenant', error));
  }

  const days = ctx.sizes.rangeDays;
  const mid = ctx.dataset.mid;
  const rangePath = `KPI range (${days} days, one call)`;
  try {
    if (!state.loaded) throw new Error('the tenants could not be loaded');
    const to = KPI_DAY;
    const mine = await rangeVersusDays(service, state.db.url, MID_TENANT.id, days, to);
    // The same comparison on the large tenant, over fewer days (information: there a day's own
    // data, ~700 tickets and ~1,400 time entries, dominates each call).
    const sampleDays = Math.min(days, ctx.sizes.largeRangeSampleDays);
    const large = await rangeVersusDays(service, state.db.url, LARGE_TENANT.id, sampleDays, to);
    const speedup = mine.singleMs / mine.rangeMs;
    rows.push({
      ...ratioRow(
        'kpi_range',
        rangePath,
        { value: mine.rangeMs, unit: 'ms', label: `one compute-daily call, ${days} days, mid-size tenant (median of 3)` },
        { value: mine.singleMs, unit: 'ms', label: `${days} sequential single-day calls` },
        atLeast(10, 'faster'),
        [
          `mid-size tenant (${formatNumber(mid.ticketCount)} tickets / ${formatNumber(mid.timeEntryCount)} time entries over ${MID_WINDOW.from}..${MID_WINDOW.to}); ratio = single-day calls' time ÷ range call's time; each arm starts with nothing stored for those days, after a warm-up of both`,
          `range calls ${mine.rangeRunsMs.map((ms) => ms.toFixed(0)).join(' / ')} ms; the warm-up range call (the process's first) ${mine.coldRangeMs.toFixed(0)} ms = ${(mine.singleMs / mine.coldRangeMs).toFixed(2)}×`,
          `large tenant, ${sampleDays} days: range ${(large.rangeMs / 1000).toFixed(1)} s vs single days ${(large.singleMs / 1000).toFixed(1)} s = ${(large.singleMs / large.rangeMs).toFixed(1)}×`,
        ],
        { mid, large_sample: { days: sampleDays, ...large } },
      ),
      ratio: speedup,
      verdict: speedup >= 10 ? 'pass' : 'fail',
    });
  } catch (error) {
    log(`KPI range: error: ${String(error)}`);
    rows.push(errorRow('kpi_range', rangePath, '≥ 10× faster', error));
  }
  return rows;
}

async function startBareServer(bodyFile: string): Promise<{ url: string; stop(): Promise<void>; pid: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'bench/reference/bare-server.ts')], {
    cwd: packageRoot,
    env: { PATH: process.env.PATH ?? '', BARE_PORT: String(port), BARE_BODY_FILE: bodyFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolveReady, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening')) resolveReady();
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}: ${out}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function publicApiRows(ctx: BenchContext, state: LargeState, service: Service): Promise<ResultRow[]> {
  const { apiConnections: connections, apiSeconds: seconds, apiWarmupSeconds } = ctx.sizes;
  const rpsPath = `public API GET /v1/kpis/daily (${connections} conn, ${seconds} s)`;
  const p99Path = 'public API p99 latency';
  try {
    if (!state.apiKey) throw new Error('no API key for the large tenant (seed-mock did not issue one)');
    const query = `/v1/kpis/daily?date=${KPI_DAY}`;
    const headers = { 'X-API-Key': state.apiKey };
    const sample = expectStatus(await request('GET', `${service.baseUrl}${query}`, { headers }), 200, 'GET /v1/kpis/daily');
    const bodyFile = join(ctx.scratch, 'kpi-daily-body.json');
    writeFileSync(bodyFile, sample.body);
    const bare = await startBareServer(bodyFile);
    let project: LoadResult;
    let reference: LoadResult;
    let serializing: LoadResult;
    try {
      const bareSample = expectStatus(await request('GET', `${bare.url}${query}`), 200, 'bare server');
      if (JSON.stringify(JSON.parse(bareSample.body)) !== JSON.stringify(JSON.parse(sample.body)))
        throw new Error('the bare server does not return the same JSON');
      log(`public API: warm-up ${apiWarmupSeconds} s each, then ${seconds} s each at ${connections} connections`);
      await autocannon(`${service.baseUrl}${query}`, { connections, seconds: apiWarmupSeconds, headers });
      project = await autocannon(`${service.baseUrl}${query}`, { connections, seconds, headers });
      await autocannon(`${bare.url}${query}`, { connections, seconds: apiWarmupSeconds, headers });
      reference = await autocannon(`${bare.url}${query}`, { connections, seconds, headers });
      // The earlier reference (the object serialized on every request), for the notes.
      serializing = await autocannon(`${bare.url}/serialized${query}`, { connections, seconds, headers });
    } finally {
      await bare.stop();
    }
    const notes = [
      `${sample.body.length} B body; service ${formatNumber(project.total)} requests (${project.non2xx} non-2xx, ${project.errors} errors), bare ${formatNumber(reference.total)}`,
      `bare route serializing the object on every request (the earlier reference): ${formatNumber(serializing.requestsPerSecond)} req/s, p99 ${serializing.p99} ms; service = ${(project.requestsPerSecond / serializing.requestsPerSecond).toFixed(2)}× that`,
    ];
    if (project.non2xx > 0 || project.errors > 0) notes.push('the service answered some requests with errors: see details');
    const rps = ratioRow(
      'api_rps',
      rpsPath,
      { value: project.requestsPerSecond, unit: 'req/s', label: 'service, X-API-Key' },
      { value: reference.requestsPerSecond, unit: 'req/s', label: 'bare Fastify route, same JSON as a pre-serialized string' },
      atLeast(0.5, 'bare Fastify'),
      notes,
      { project, reference, serializing },
    );
    if (project.non2xx > 0 || project.errors > 0) rps.verdict = 'fail';
    const p99 = ratioRow(
      'api_p99',
      p99Path,
      { value: project.p99, unit: 'ms', label: 'p99, service' },
      { value: reference.p99, unit: 'ms', label: 'p99, bare Fastify route' },
      atMost(2, 'bare Fastify'),
      [`p50 ${project.p50} ms vs ${reference.p50} ms`],
    );
    return [rps, p99];
  } catch (error) {
    log(`public API: error: ${String(error)}`);
    return [errorRow('api_rps', rpsPath, '≥ 0.5× bare Fastify', error), errorRow('api_p99', p99Path, '≤ 2× bare Fastify', error)];
  }
}

/** A tenant holding only the large tenant's tickets (copied in SQL): its export is the ticket rows. */
interface ExportedTenant {
  generation_path: string;
  files?: { name: string; format: string; rows: number; bytes: number }[];
}

export const EXPORT_TENANT = { id: '0e7a9f00-2222-4c3d-9e4f-6a7b8c9d0e1f', name: 'Bench Export MSP' };

async function prepareExportTenant(url: string): Promise<number> {
  return withClient(url, async (c) => {
    await c.query(
      `INSERT INTO tenants (id, name, timezone, source) SELECT $1::uuid, $2, timezone, source FROM tenants WHERE id = $3::uuid
       ON CONFLICT (id) DO NOTHING`,
      [EXPORT_TENANT.id, EXPORT_TENANT.name, LARGE_TENANT.id],
    );
    await c.query('DELETE FROM raw_tickets WHERE tenant_id = $1::uuid', [EXPORT_TENANT.id]);
    const cols = (
      await c.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'raw_tickets' AND column_name <> 'tenant_id' ORDER BY ordinal_position`,
      )
    ).rows.map((r) => r.column_name);
    const inserted = await c.query(
      `INSERT INTO raw_tickets (tenant_id, ${cols.join(', ')}) SELECT $1::uuid, ${cols.join(', ')} FROM raw_tickets WHERE tenant_id = $2::uuid`,
      [EXPORT_TENANT.id, LARGE_TENANT.id],
    );
    await c.query('ANALYZE raw_tickets');
    return inserted.rowCount ?? 0;
  });
}

/**
 * The export's own fact_tickets query, parameters inlined, for COPY (…) TO STDOUT: $1 tenant, $2
 * zone, $3 the configuration's KPI settings (the bench tenant has none: the defaults), $4 and $5 the
 * month (here every month at once: the export writes one file per month, the reference one file).
 */
function referenceTicketQuery(tenantId: string, timezone: string): string {
  const table = TABLES.find((t) => t.name === 'fact_tickets');
  if (!table) throw new Error('the exports define no fact_tickets table');
  const settings = JSON.stringify(kpiSettings(DEFAULT_CONFIG)).replaceAll("'", "''");
  return table.sql
    .replace(/\$1\b/g, `'${tenantId}'`)
    .replace(/\$2\b/g, `'${timezone}'`)
    .replace(/\$3\b/g, `'${settings}'`)
    .replace(/\$4\b/g, `'-infinity'`)
    .replace(/\$5\b/g, `'infinity'`);
}

interface TimedExport {
  ms: number;
  peak: number;
  idle: number;
  written: ExportedTenant;
}

/** One POST /internal/exports/generate on a freshly started service (its peak RSS is this call's). */
async function timedExport(ctx: BenchContext, url: string, exportsDir: string, format: 'csv' | 'both'): Promise<TimedExport> {
  const service = await Service.start({
    databaseUrl: url,
    label: `export-${format}`,
    env: { EXPORTS_PATH: exportsDir },
    nodeArgs: profilingArgs(ctx.cpuProf, `export-${format}`),
  });
  try {
    await sleep(200);
    const idle = service.memory()?.rss ?? 0;
    const sampler = new RssSampler(service.pid);
    const t0 = now();
    const res = expectStatus(
      await service.internal('POST', `/internal/exports/generate?tenant_id=${EXPORT_TENANT.id}&format=${format}&full=true`),
      201,
      `exports/generate?format=${format}`,
    );
    const ms = now() - t0;
    const peak = sampler.stop();
    // The generation written by this call, as the response describes it.
    const written = (JSON.parse(res.body) as { exports?: ExportedTenant[] }).exports?.[0];
    if (!written) throw new Error(`the export response names no export: ${res.body.slice(0, 300)}`);
    return { ms, peak, idle, written };
  } finally {
    await service.stop();
  }
}

/** Rows and bytes of a table in one format: a fact table's month files (`fact_tickets/2026-01.csv`, …) summed. */
function rowsOf(written: ExportedTenant, name: string): number {
  const files = filesOf(written, name);
  return files.length === 0 ? -1 : files.reduce((sum, f) => sum + f.rows, 0);
}

function bytesOf(written: ExportedTenant, name: string): number {
  return filesOf(written, name).reduce((sum, f) => sum + f.bytes, 0);
}

function filesOf(written: ExportedTenant, name: string) {
  const [table, format] = name.split('.') as [string, string];
  return (written.files ?? []).filter((f) => f.name === name || (f.name.startsWith(`${table}/`) && f.format === format));
}

/**
 * export: POST /internal/exports/generate?format=csv (the CSV export) for a tenant whose data is
 * the large tenant's tickets (so the call's work is those ticket rows), against COPY of the same
 * query to a CSV file. The default export (CSV + Parquet) is timed too, on another fresh service,
 * and reported in the notes.
 */
export async function exportRows(ctx: BenchContext, state: LargeState): Promise<ResultRow[]> {
  const n = ctx.dataset.large.ticketCount;
  let ratePath = `export CSV (${formatNumber(n)} ticket records)`;
  const memPath = 'export memory (service peak RSS)';
  try {
    if (!state.loaded) throw new Error('the large tenant could not be loaded');
    const ticketRows = await prepareExportTenant(state.db.url);
    ratePath = `export CSV (${formatNumber(ticketRows)} ticket rows)`;
    const exportsDir = ensureDir(join(ctx.scratch, 'exports'));

    await checkpoint(state.db.url);
    log(`export: POST /internal/exports/generate?format=csv for ${formatNumber(ticketRows)} ticket rows`);
    const csv = await timedExport(ctx, state.db.url, exportsDir, 'csv');
    if (rowsOf(csv.written, 'fact_tickets.csv') !== ticketRows)
      throw new Error(`fact_tickets.csv holds ${rowsOf(csv.written, 'fact_tickets.csv')} rows, the database ${ticketRows}`);
    const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
    const csvBytes = bytesOf(csv.written, 'fact_tickets.csv');
    rmSync(csv.written.generation_path, { recursive: true, force: true });

    const copyFile = join(ctx.scratch, 'reference-fact_tickets.csv');
    await checkpoint(state.db.url);
    const t1 = now();
    await psql(
      state.db.url,
      ['-c', `COPY (${referenceTicketQuery(EXPORT_TENANT.id, LARGE_TENANT.timezone)}) TO STDOUT WITH (FORMAT csv, HEADER)`],
      { stdoutFile: copyFile },
    );
    const copyMs = now() - t1;
    const copyBytes = size(copyFile);
    rmSync(copyFile, { force: true });

    await checkpoint(state.db.url);
    log('export: the default export (CSV + Parquet) on another fresh service');
    const both = await timedExport(ctx, state.db.url, exportsDir, 'both');
    if (rowsOf(both.written, 'fact_tickets.parquet') !== ticketRows)
      throw new Error(`fact_tickets.parquet holds ${rowsOf(both.written, 'fact_tickets.parquet')} rows, the database ${ticketRows}`);
    const parquetBytes = bytesOf(both.written, 'fact_tickets.parquet');

    const notes = [
      `format=csv: ${csv.written.files?.length ?? 0} CSV files, fact_tickets.csv ${(csvBytes / MB).toFixed(0)} MB; the whole call is timed; COPY of the export's own fact_tickets query wrote ${(copyBytes / MB).toFixed(0)} MB`,
      `default export (CSV + Parquet, ${both.written.files?.length ?? 0} files, fact_tickets.parquet ${(parquetBytes / MB).toFixed(0)} MB): ${(both.ms / 1000).toFixed(1)} s = ${formatNumber(Math.round(ticketRows / (both.ms / 1000)))} rows/s (${(copyMs / both.ms).toFixed(2)}× COPY), peak RSS ${(both.peak / MB).toFixed(0)} MB`,
    ];
    return [
      ratioRow(
        'export_rate',
        ratePath,
        {
          value: ticketRows / (csv.ms / 1000),
          unit: 'rows/s',
          label: `POST /internal/exports/generate?format=csv in ${(csv.ms / 1000).toFixed(1)} s`,
        },
        {
          value: ticketRows / (copyMs / 1000),
          unit: 'rows/s',
          label: `COPY (fact_tickets query) TO STDOUT CSV in ${(copyMs / 1000).toFixed(1)} s`,
        },
        atLeast(0.5, 'COPY'),
        notes,
        {
          export_ms: csv.ms,
          copy_ms: copyMs,
          both_ms: both.ms,
          both_peak_rss: both.peak,
          files: csv.written.files,
          both_files: both.written.files,
        },
      ),
      limitRow('export_memory', memPath, { value: csv.peak / MB, unit: 'MB', label: 'peak RSS during the CSV export' }, 300, [
        `idle RSS before the call ${(csv.idle / MB).toFixed(0)} MB; the default export (CSV + Parquet) peaked at ${(both.peak / MB).toFixed(0)} MB`,
      ]),
    ];
  } catch (error) {
    log(`export: error: ${String(error)}`);
    return [errorRow('export_rate', ratePath, '≥ 0.5× COPY', error), errorRow('export_memory', memPath, '< 300 MB', error)];
  }
}

/**
 * `--only api`: the public API rows alone, on a database holding only the small tenant (its mock
 * files ingested, its KPI day computed), for iterating on the read path without loading the large
 * tenant. The `large` group runs the same rows on the large tenant's day.
 */
export async function apiRows(ctx: BenchContext): Promise<ResultRow[]> {
  const db = await createDatabase('api');
  const mockEnv = { MOCK_MODE: 'true', MOCK_DATA_PATH: ctx.dataset.dir };
  try {
    await cli(db.url, ['migrate']);
    const seeded = await cli<SeedOutput>(db.url, ['seed-mock'], mockEnv);
    const state: LargeState = { db, apiKey: seeded.api_keys.find((k) => k.tenant_id === SMALL_TENANT.id)?.key, loaded: true };
    const service = await Service.start({ databaseUrl: db.url, label: 'api', env: mockEnv, nodeArgs: profilingArgs(ctx.cpuProf, 'api') });
    try {
      await mockIngest(service, SMALL_TENANT.id, 'tickets');
      await mockIngest(service, SMALL_TENANT.id, 'time_entries');
      await computeDay(service, SMALL_TENANT.id, KPI_DAY);
      return await publicApiRows(ctx, state, service);
    } finally {
      await service.stop();
    }
  } finally {
    await db.drop();
  }
}

export async function largeRows(ctx: BenchContext): Promise<ResultRow[]> {
  const db = await createDatabase('large');
  const state: LargeState = { db, apiKey: undefined, loaded: false };
  const rows: ResultRow[] = [];
  try {
    rows.push(...(await loadLarge(ctx, state)));
    if (state.loaded) {
      const service = await Service.start({ databaseUrl: db.url, label: 'kpi', nodeArgs: profilingArgs(ctx.cpuProf, 'kpi') });
      try {
        rows.push(...(await kpiRows(ctx, state, service)));
        rows.push(...(await publicApiRows(ctx, state, service)));
      } finally {
        await service.stop();
      }
    } else {
      const cause = new Error('the large tenant could not be loaded (see ingest memory)');
      rows.push(
        errorRow('kpi_day', 'KPI day cost', '≤ 2× small tenant', cause),
        errorRow('kpi_range', 'KPI range', '≥ 10× faster', cause),
        errorRow('api_rps', 'public API GET /v1/kpis/daily', '≥ 0.5× bare Fastify', cause),
        errorRow('api_p99', 'public API p99 latency', '≤ 2× bare Fastify', cause),
      );
    }
    rows.push(...(await exportRows(ctx, state)));
  } finally {
    await db.drop();
  }
  return rows;
}
