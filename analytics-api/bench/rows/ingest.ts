/**
 * ingest and re-ingest: N canonical tickets pushed through POST /internal/ingest/tickets, against
 * PostgreSQL COPY of the same rows into raw_tickets of a fresh schema; then the same N again.
 */
import { join } from 'node:path';
import { formatNumber, log, median, now, pool } from '../lib/common.js';
import { columnList, writeCsv } from '../lib/canonical-csv.js';
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
  await cli(url, ['tenant', 'create', '--id', LARGE_TENANT.id, '--name', LARGE_TENANT.name, '--timezone', LARGE_TENANT.timezone, '--source', 'canonical']);
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
    const res = expectStatus(await service.internal('POST', `/internal/ingest/tickets?tenant_id=${LARGE_TENANT.id}`, body), 200, `ingest batch ${index}`);
    const summary = JSON.parse(res.body) as Summary;
    for (const key of Object.keys(totals) as (keyof Summary)[]) totals[key] += summary[key];
  });
  return { ms: now() - t0, totals };
}

export async function ingestRows(ctx: BenchContext): Promise<ResultRow[]> {
  const { ingestTickets: n, ingestBatch, ingestConcurrency } = ctx.sizes;
  const label = `${formatNumber(n)} tickets`;
  const ingestPath = `ingest (${label}, push)`;
  const reingestPath = `re-ingest (${label}, unchanged)`;
  try {
    log(`ingest: reading the first ${formatNumber(n)} tickets of the large tenant`);
    const records = await readRecords(ctx.dataset.large.tickets, n);
    const bodies: Buffer[] = [];
    for (let i = 0; i < records.length; i += ingestBatch) bodies.push(Buffer.from(JSON.stringify(records.slice(i, i + ingestBatch))));
    const csvFile = join(ctx.scratch, 'ingest-tickets.csv');
    const copyRows = await writeCsv(csvFile, 'tickets', LARGE_TENANT.id, records);

    const copyMs: number[] = [];
    const firstMs: number[] = [];
    const secondMs: number[] = [];
    let first: Summary | undefined;
    let second: Summary | undefined;
    const rounds = ctx.sizes.ingestRounds;
    for (let round = 1; round <= rounds; round += 1) {
      // Reference: COPY into raw_tickets of a fresh, migrated schema (same indexes and constraints).
      const copyDb = await createDatabase('copy');
      try {
        await cli(copyDb.url, ['migrate']);
        await createTenant(copyDb.url);
        await checkpoint(copyDb.url);
        log(`ingest round ${round}/${rounds}: COPY of ${formatNumber(copyRows)} rows`);
        const t0 = now();
        await psql(copyDb.url, ['-c', `\\copy raw_tickets (${columnList('tickets')}) FROM '${csvFile}' WITH (FORMAT csv)`]);
        copyMs.push(now() - t0);
      } finally {
        await copyDb.drop();
      }

      // Project: the service, started on a fresh database (it applies the migrations itself).
      const db = await createDatabase('ingest');
      const service = await Service.start({ databaseUrl: db.url, label: 'ingest', nodeArgs: profilingArgs(ctx.cpuProf, `ingest-${round}`) });
      try {
        await createTenant(db.url);
        await checkpoint(db.url);
        log(`ingest round ${round}/${rounds}: pushing ${bodies.length} batches of ${formatNumber(ingestBatch)}, ${ingestConcurrency} in flight`);
        const a = await push(service, bodies, ingestConcurrency);
        if (a.totals.received !== records.length || a.totals.inserted + a.totals.rejected !== records.length) {
          throw new Error(`first ingest counts are off: ${JSON.stringify(a.totals)}`);
        }
        await checkpoint(db.url);
        log(`ingest round ${round}/${rounds}: re-ingest of the same batches`);
        const b = await push(service, bodies, ingestConcurrency);
        if (b.totals.unchanged + b.totals.rejected !== records.length) throw new Error(`re-ingest changed rows: ${JSON.stringify(b.totals)}`);
        firstMs.push(a.ms);
        secondMs.push(b.ms);
        first = a.totals;
        second = b.totals;
      } finally {
        await service.stop();
        await db.drop();
      }
      log(`ingest round ${round}: COPY ${(copyMs.at(-1)! / 1000).toFixed(2)} s, ingest ${(firstMs.at(-1)! / 1000).toFixed(2)} s, re-ingest ${(secondMs.at(-1)! / 1000).toFixed(2)} s`);
    }
    const copyRate = copyRows / (median(copyMs) / 1000);
    const firstRate = records.length / (median(firstMs) / 1000);
    const secondRate = records.length / (median(secondMs) / 1000);
    const batchNote = `${bodies.length} POSTs of ${formatNumber(ingestBatch)}, ${ingestConcurrency} in flight; median of ${rounds} round(s), each on fresh databases`;
    return [
      ratioRow(
        'ingest',
        ingestPath,
        { value: firstRate, unit: 'rec/s', label: `${formatNumber(records.length)} records, median ${(median(firstMs) / 1000).toFixed(2)} s` },
        { value: copyRate, unit: 'rec/s', label: `COPY of ${formatNumber(copyRows)} rows, median ${(median(copyMs) / 1000).toFixed(2)} s` },
        atLeast(0.5, 'COPY'),
        [`${batchNote}; ${first!.rejected} records rejected by validation (not in the COPY)`],
        { first: first, copy_rows: copyRows, copy_ms: copyMs, ingest_ms: firstMs },
      ),
      ratioRow(
        'reingest',
        reingestPath,
        { value: secondRate, unit: 'rec/s', label: `${formatNumber(records.length)} unchanged records, median ${(median(secondMs) / 1000).toFixed(2)} s` },
        { value: firstRate, unit: 'rec/s', label: 'the first ingest above' },
        atLeast(1, 'first ingest'),
        [],
        { second: second, reingest_ms: secondMs },
      ),
    ];
  } catch (error) {
    log(`ingest: error: ${String(error)}`);
    return [errorRow('ingest', ingestPath, '≥ 0.5× COPY', error), errorRow('reingest', reingestPath, '≥ 1× first ingest', error)];
  }
}
