/**
 * ingest and re-ingest: N canonical tickets pushed through POST /internal/ingest/tickets, one call
 * after the other (as n8n sends them), against PostgreSQL COPY of the very rows the service stored
 * into a table of the same structure (CREATE TABLE … (LIKE raw_tickets INCLUDING ALL)); then the
 * same N again (unchanged); then, on another fresh database, the same calls with several in flight.
 */
import { join } from 'node:path';
import { formatNumber, log, median, now, pool } from '../lib/common.js';
import type { BenchContext } from '../lib/context.js';
import { LARGE_TENANT, readRecords } from '../lib/dataset.js';
import { createDatabase, psql, withClient } from '../lib/pg.js';
import { atLeast, errorRow, ratioRow, type ResultRow } from '../lib/report.js';
import { cli, expectStatus, profilingArgs, Service } from '../lib/service.js';

interface Summary {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

async function createTenant(url: string): Promise<void> {
  await cli(url, [
    'tenant',
    'create',
    '--id',
    LARGE_TENANT.id,
    '--name',
    LARGE_TENANT.name,
    '--timezone',
    LARGE_TENANT.timezone,
    '--source',
    'canonical',
  ]);
}

/** Starts each timed phase with clean shared buffers (needs superuser or pg_checkpoint; else skipped). */
export async function checkpoint(url: string): Promise<void> {
  await withClient(url, (c) => c.query('CHECKPOINT')).catch(() => undefined);
}

/** Sends every body with `concurrency` requests in flight; returns the summed counts and the wall time. */
async function push(service: Service, bodies: Buffer[], concurrency: number): Promise<{ ms: number; totals: Summary }> {
  const totals: Summary = { received: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
  const t0 = now();
  await pool(bodies, concurrency, async (body, index) => {
    const res = expectStatus(
      await service.internal('POST', `/internal/ingest/tickets?tenant_id=${LARGE_TENANT.id}`, body),
      200,
      `ingest batch ${index}`,
    );
    const summary = JSON.parse(res.body) as Summary;
    for (const key of Object.keys(totals) as (keyof Summary)[]) totals[key] += summary[key];
  });
  return { ms: now() - t0, totals };
}

/** Runs `work` against a service started fresh on a fresh database holding the tenant; drops both after. */
async function onFreshService<T>(
  ctx: BenchContext,
  label: string,
  work: (service: Service, db: { url: string }) => Promise<T>,
): Promise<T> {
  const db = await createDatabase(label);
  const service = await Service.start({ databaseUrl: db.url, label, nodeArgs: profilingArgs(ctx.cpuProf, label) });
  try {
    await createTenant(db.url);
    await checkpoint(db.url);
    return await work(service, db);
  } finally {
    await service.stop();
    await db.drop();
  }
}

/** The reference: COPY of the rows the service stored into a table of the same structure and indexes. */
async function copyStoredRows(url: string, csvFile: string): Promise<{ ms: number; rows: number }> {
  await psql(url, ['-c', `\\copy (SELECT * FROM raw_tickets WHERE tenant_id = '${LARGE_TENANT.id}') TO '${csvFile}' WITH (FORMAT csv)`]);
  const { rows } = await withClient(url, async (c) => {
    await c.query('CREATE TABLE copy_target (LIKE raw_tickets INCLUDING ALL)');
    return c.query<{ n: number }>('SELECT count(*)::int AS n FROM raw_tickets');
  });
  await checkpoint(url);
  const t0 = now();
  await psql(url, ['-c', `\\copy copy_target FROM '${csvFile}' WITH (FORMAT csv)`]);
  return { ms: now() - t0, rows: rows[0]!.n };
}

export async function ingestRows(ctx: BenchContext): Promise<ResultRow[]> {
  const { ingestTickets: n, ingestBatch, ingestConcurrency } = ctx.sizes;
  const label = `${formatNumber(n)} tickets`;
  const ingestPath = `ingest (${label}, push, one call in flight)`;
  const reingestPath = `re-ingest (${label}, unchanged)`;
  const concurrentPath = `ingest (${label}, push, ${ingestConcurrency} calls in flight)`;
  try {
    log(`ingest: reading the first ${formatNumber(n)} tickets of the large tenant`);
    const records = await readRecords(ctx.dataset.large.tickets, n);
    const bodies: Buffer[] = [];
    for (let i = 0; i < records.length; i += ingestBatch) bodies.push(Buffer.from(JSON.stringify(records.slice(i, i + ingestBatch))));
    const csvFile = join(ctx.scratch, 'ingest-stored-rows.csv');

    const copyMs: number[] = [];
    const firstMs: number[] = [];
    const secondMs: number[] = [];
    const concurrentMs: number[] = [];
    let copyRows = 0;
    let first: Summary | undefined;
    let second: Summary | undefined;
    let concurrentError: unknown;
    const rounds = ctx.sizes.ingestRounds;
    for (let round = 1; round <= rounds; round += 1) {
      await onFreshService(ctx, `ingest_${round}`, async (service, db) => {
        log(`ingest round ${round}/${rounds}: pushing ${bodies.length} batches of ${formatNumber(ingestBatch)}, one in flight`);
        const a = await push(service, bodies, 1);
        if (a.totals.received !== records.length || a.totals.inserted + a.totals.rejected !== records.length) {
          throw new Error(`first ingest counts are off: ${JSON.stringify(a.totals)}`);
        }
        await checkpoint(db.url);
        log(`ingest round ${round}/${rounds}: re-ingest of the same batches, one in flight`);
        const b = await push(service, bodies, 1);
        if (b.totals.unchanged + b.totals.rejected !== records.length)
          throw new Error(`re-ingest changed rows: ${JSON.stringify(b.totals)}`);
        log(`ingest round ${round}/${rounds}: COPY of the stored rows`);
        const copy = await copyStoredRows(db.url, csvFile);
        if (copy.rows !== a.totals.inserted) throw new Error(`${copy.rows} stored rows, ${a.totals.inserted} inserted`);
        firstMs.push(a.ms);
        secondMs.push(b.ms);
        copyMs.push(copy.ms);
        copyRows = copy.rows;
        first = a.totals;
        second = b.totals;
      });
      log(
        `ingest round ${round}: COPY ${(copyMs.at(-1)! / 1000).toFixed(2)} s, ingest ${(firstMs.at(-1)! / 1000).toFixed(2)} s, ` +
          `re-ingest ${(secondMs.at(-1)! / 1000).toFixed(2)} s`,
      );
      if (concurrentError !== undefined) continue;
      // A failure here (e.g. 503 on a saturated machine) fails only the row of this phase.
      concurrentError = await onFreshService(ctx, `ingest_concurrent_${round}`, async (service) => {
        log(`ingest round ${round}/${rounds}: pushing ${bodies.length} batches, ${ingestConcurrency} in flight`);
        const c = await push(service, bodies, ingestConcurrency);
        if (c.totals.inserted + c.totals.rejected !== records.length)
          throw new Error(`concurrent ingest counts are off: ${JSON.stringify(c.totals)}`);
        concurrentMs.push(c.ms);
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      log(
        concurrentError === undefined
          ? `ingest round ${round}: ${ingestConcurrency} in flight ${(concurrentMs.at(-1)! / 1000).toFixed(2)} s`
          : `ingest round ${round}: ${ingestConcurrency} in flight failed: ${String(concurrentError)}`,
      );
    }
    const copyRate = copyRows / (median(copyMs) / 1000);
    const firstRate = records.length / (median(firstMs) / 1000);
    const secondRate = records.length / (median(secondMs) / 1000);
    const concurrentRate = concurrentMs.length ? records.length / (median(concurrentMs) / 1000) : 0;
    const copyFigure = {
      value: copyRate,
      unit: 'rec/s',
      label: `COPY of the ${formatNumber(copyRows)} stored rows into LIKE raw_tickets, median ${(median(copyMs) / 1000).toFixed(2)} s`,
    };
    const batchNote = `${bodies.length} POSTs of ${formatNumber(ingestBatch)}; median of ${rounds} round(s), each on fresh databases`;
    return [
      ratioRow(
        'ingest',
        ingestPath,
        {
          value: firstRate,
          unit: 'rec/s',
          label: `${formatNumber(records.length)} records, median ${(median(firstMs) / 1000).toFixed(2)} s`,
        },
        copyFigure,
        atLeast(0.5, 'COPY'),
        [`${batchNote}; ${first!.rejected} records rejected by validation (not stored, so not in the COPY)`],
        { first, copy_rows: copyRows, copy_ms: copyMs, ingest_ms: firstMs },
      ),
      ratioRow(
        'reingest',
        reingestPath,
        {
          value: secondRate,
          unit: 'rec/s',
          label: `${formatNumber(records.length)} unchanged records, median ${(median(secondMs) / 1000).toFixed(2)} s`,
        },
        { value: firstRate, unit: 'rec/s', label: 'the first ingest above' },
        atLeast(1, 'first ingest'),
        [],
        { second, reingest_ms: secondMs },
      ),
      concurrentError !== undefined
        ? errorRow('ingest-concurrent', concurrentPath, '≥ 0.5× COPY', concurrentError)
        : ratioRow(
            'ingest-concurrent',
            concurrentPath,
            {
              value: concurrentRate,
              unit: 'rec/s',
              label: `${formatNumber(records.length)} records, median ${(median(concurrentMs) / 1000).toFixed(2)} s`,
            },
            copyFigure,
            atLeast(0.5, 'COPY'),
            [`the same ${bodies.length} POSTs, ${ingestConcurrency} in flight, on another fresh database; same COPY reference`],
            { concurrent_ms: concurrentMs },
          ),
    ];
  } catch (error) {
    log(`ingest: error: ${String(error)}`);
    return [
      errorRow('ingest', ingestPath, '≥ 0.5× COPY', error),
      errorRow('reingest', reingestPath, '≥ 1× first ingest', error),
      errorRow('ingest-concurrent', concurrentPath, '≥ 0.5× COPY', error),
    ];
  }
}
