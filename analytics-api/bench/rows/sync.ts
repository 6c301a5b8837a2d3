/**
 * sync: a full sync of N tickets from the simulated ConnectWise (test/connectors/sim), through
 * POST /internal/sync of a freshly started service, against PostgreSQL COPY of the same stored rows
 * into a table of the same structure (CREATE TABLE … (LIKE raw_tickets INCLUDING ALL)); and the
 * service's peak RSS during the sync (pages are streamed, not held).
 */
import { join } from 'node:path';
import { ConnectWiseSim, CW_CREDENTIALS, type CwRecord } from '../../test/connectors/sim/connectwise-sim.js';
import { mockRecords } from '../../test/connectors/helpers.js';
import { createPsaClient } from '../../src/connectors/clients/index.js';
import { formatNumber, log, now } from '../lib/common.js';
import type { BenchContext } from '../lib/context.js';
import { createDatabase, psql, withClient } from '../lib/pg.js';
import { atLeast, errorRow, limitRow, ratioRow, type ResultRow } from '../lib/report.js';
import { cli, expectStatus, profilingArgs, RssSampler, Service } from '../lib/service.js';
import { checkpoint } from './ingest.js';

const TENANT = '0f5c2a9e-3b7d-4e61-9a2c-5d8e7f104b23';
const MB = 1024 * 1024;
const PAGE_SIZE = 1_000;
const KEY = Buffer.alloc(32, 3).toString('base64');

/** N tickets in ConnectWise's shape: mock records as templates, fresh ids, one update instant per second or so. */
function simulatedTickets(n: number): CwRecord[] {
  const templates = mockRecords<CwRecord>('connectwise', 'tickets', 200);
  const start = Date.parse('2025-01-01T00:00:00Z');
  const records: CwRecord[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = templates[i % templates.length]!;
    const lastUpdated = new Date(start + i * 1_500).toISOString().replace(/\.\d{3}Z$/, 'Z');
    records.push({ ...t, id: 1_000_000 + i, _info: { ...t._info, lastUpdated } });
  }
  return records;
}

/**
 * Reads every page once before the measured sync, through the service's own ConnectWise client and
 * page size, so that the simulated PSA replays each answer's bytes (SimServer.replayAnswers) instead
 * of serializing 1,000 records per page on the two cores the service and PostgreSQL are measured on.
 */
async function warmAnswers(sim: ConnectWiseSim): Promise<void> {
  sim.replayAnswers = true;
  const t0 = now();
  const client = createPsaClient(
    { tenantId: TENANT, psa: 'connectwise', baseUrl: sim.baseUrl, credentials: CW_CREDENTIALS },
    { pageSize: PAGE_SIZE },
  );
  let pages = 0;
  for await (const page of client.changes('tickets', null, null)) pages += page.records.length > 0 ? 1 : 0;
  log(`sync: the simulated PSA keeps its ${pages} pages' answers (read once in ${((now() - t0) / 1000).toFixed(1)} s)`);
}

export async function syncRows(ctx: BenchContext): Promise<ResultRow[]> {
  const n = ctx.sizes.ingestTickets;
  const path = `sync (${formatNumber(n)} tickets, simulated ConnectWise, full)`;
  const memoryPath = `sync memory (${formatNumber(n)} tickets)`;
  const sim = new ConnectWiseSim();
  try {
    log(`sync: building ${formatNumber(n)} simulated ConnectWise tickets`);
    sim.load('tickets', simulatedTickets(n));
    await sim.start();
    await warmAnswers(sim);
    const db = await createDatabase('sync');
    const service = await Service.start({
      databaseUrl: db.url,
      label: 'sync',
      env: { CREDENTIALS_KEY: KEY, SYNC_PAGE_SIZE: String(PAGE_SIZE) },
      nodeArgs: profilingArgs(ctx.cpuProf, 'sync'),
    });
    try {
      await cli(db.url, ['tenant', 'create', '--id', TENANT, '--name', 'Sync bench', '--source', 'connectwise']);
      expectStatus(
        await service.internal(
          'PUT',
          `/internal/tenants/${TENANT}/connection`,
          JSON.stringify({ psa: 'connectwise', base_url: sim.baseUrl, credentials: CW_CREDENTIALS }),
        ),
        200,
        'set connection',
      );
      await checkpoint(db.url);
      const sampler = new RssSampler(service.pid);
      log(`sync: full sync of ${formatNumber(n)} tickets`);
      const t0 = now();
      const cpu0 = process.cpuUsage();
      const res = expectStatus(await service.internal('POST', `/internal/sync?tenant_id=${TENANT}&entity=tickets&full=true`), 200, 'sync');
      const syncMs = now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const simCpuS = (cpu.user + cpu.system) / 1e6;
      const peak = sampler.stop();
      const summary = (JSON.parse(res.body) as { entities: { inserted: number; rejected: number; pages: number; requests: number }[] })
        .entities[0]!;
      if (summary.inserted !== n) throw new Error(`sync inserted ${summary.inserted} of ${n}`);

      // Reference: the same stored rows, COPYed into a table of the same structure and indexes.
      const csv = join(ctx.scratch, 'sync-rows.csv');
      await psql(db.url, ['-c', `\\copy (SELECT * FROM raw_tickets WHERE tenant_id = '${TENANT}') TO '${csv}' WITH (FORMAT csv)`]);
      await withClient(db.url, (c) => c.query('CREATE TABLE copy_target (LIKE raw_tickets INCLUDING ALL)'));
      await checkpoint(db.url);
      const c0 = now();
      await psql(db.url, ['-c', `\\copy copy_target FROM '${csv}' WITH (FORMAT csv)`]);
      const copyMs = now() - c0;
      const syncRate = n / (syncMs / 1000);
      const copyRate = n / (copyMs / 1000);
      log(
        `sync: ${(syncMs / 1000).toFixed(2)} s (${formatNumber(syncRate)} rec/s), COPY ${(copyMs / 1000).toFixed(2)} s, peak RSS ${(peak / MB).toFixed(0)} MB`,
      );
      const notes = [
        `${summary.pages} pages of 1,000, ${summary.requests} requests; the simulated PSA runs in the bench process and replays` +
          ` answers it computed before the sync (${simCpuS.toFixed(2)} s of its CPU during the sync)`,
      ];
      return [
        ratioRow(
          'sync',
          path,
          { value: syncRate, unit: 'rec/s', label: `${formatNumber(n)} records in ${(syncMs / 1000).toFixed(2)} s` },
          { value: copyRate, unit: 'rec/s', label: `COPY of the ${formatNumber(n)} stored rows in ${(copyMs / 1000).toFixed(2)} s` },
          atLeast(0.5, 'COPY'),
          notes,
          { summary, sync_ms: syncMs, copy_ms: copyMs, simulated_psa_cpu_s: simCpuS },
        ),
        limitRow(
          'sync-memory',
          memoryPath,
          { value: peak / MB, unit: 'MB', label: 'peak RSS of the service process during the sync' },
          256,
        ),
      ];
    } finally {
      await service.stop();
      await db.drop();
    }
  } catch (error) {
    log(`sync: error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return [errorRow('sync', path, '≥ 0.5× COPY', error), errorRow('sync-memory', memoryPath, '< 256 MB', error)];
  } finally {
    await sim.stop();
  }
}
