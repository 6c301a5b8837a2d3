/**
 * incremental-export: the nightly export of a tenant holding `largeTickets` tickets (the large
 * tenant's id, time zone and four-year window), after a day of 500 changed tickets, against a full
 * export (`full=true`) of the same data. The tickets are generated in SQL (setup, not measured), so
 * the row does not need the 1M-ticket ingestion of the `large` group. Interleaved pairs, medians.
 */
import { join } from 'node:path';
import { ensureDir, formatNumber, log, median, now } from '../lib/common.js';
import type { BenchContext } from '../lib/context.js';
import { LARGE_TENANT, LARGE_WINDOW } from '../lib/dataset.js';
import { createDatabase, vacuumAnalyze, withClient } from '../lib/pg.js';
import { atMost, errorRow, ratioRow, type ResultRow } from '../lib/report.js';
import { cli, expectStatus, profilingArgs, Service } from '../lib/service.js';

const CHANGED_PER_DAY = 500;
const ROUNDS = 3;

interface Exported {
  exports: { files: { name: string; month?: string; generation?: string }[]; generation: string }[];
}

async function seedTickets(url: string, count: number): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(`INSERT INTO tenants (id, name, timezone) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
      LARGE_TENANT.id,
      LARGE_TENANT.name,
      LARGE_TENANT.timezone,
    ]);
    // Spread evenly over the window, a third still open, first responses within hours.
    await c.query(
      `INSERT INTO raw_tickets (tenant_id, external_id, source, summary, client_id, client_name, technician_id, technician_name,
                                board, priority, status, created_at, first_response_at, closed_at, reopen_count, payload, record_hash)
       SELECT $1::uuid, 'T-' || lpad(g::text, 8, '0'), 'canonical', 'ticket ' || g, 'C' || (g % 120), 'Client ' || (g % 120),
              'U' || (g % 25), 'Tech ' || (g % 25), 'Service', (ARRAY['Critical', 'High', 'Medium', 'Low'])[g % 4 + 1],
              CASE WHEN g % 3 = 0 THEN 'Open' ELSE 'Closed' END, at, at + (g % 300) * interval '1 minute',
              CASE WHEN g % 3 <> 0 THEN at + (g % 72) * interval '1 hour' END, g % 3, '{}', 'x'
         FROM generate_series(1, $2::int) AS g,
              LATERAL (SELECT $3::timestamptz + (g::float8 / $2) * ($4::timestamptz - $3::timestamptz) AS at) AS s`,
      [LARGE_TENANT.id, count, `${LARGE_WINDOW.from}T00:00:00Z`, `${LARGE_WINDOW.to}T12:00:00Z`],
    );
  });
}

/** A day of changes: the 500 newest tickets are updated, as an ingestion of changed records does. */
async function changeADay(url: string, day: number): Promise<void> {
  await withClient(url, (c) =>
    c.query(
      `UPDATE raw_tickets SET status = 'Closed', summary = 'changed on day ' || $3::int, changed_at = now(), ingested_at = now()
        WHERE tenant_id = $1::uuid AND external_id IN (
              SELECT external_id FROM raw_tickets WHERE tenant_id = $1::uuid ORDER BY created_at DESC LIMIT $2)`,
      [LARGE_TENANT.id, CHANGED_PER_DAY, day],
    ),
  );
}

async function timedExport(service: Service, format: string, full: boolean): Promise<{ ms: number; written: number; files: number }> {
  const started = now();
  const res = expectStatus(
    await service.internal('POST', `/internal/exports/generate?tenant_id=${LARGE_TENANT.id}&format=${format}&full=${full}`),
    201,
    `exports/generate?format=${format}&full=${full}`,
  );
  const ms = now() - started;
  const tenant = (JSON.parse(res.body) as Exported).exports[0]!;
  const months = tenant.files.filter((file) => file.month !== undefined);
  return { ms, written: months.filter((file) => file.generation === tenant.generation).length, files: months.length };
}

export async function incrementalExportRows(ctx: BenchContext): Promise<ResultRow[]> {
  const n = ctx.sizes.largeTickets;
  const path = (format: string) => `incremental export, format=${format} (${formatNumber(n)} tickets, ${CHANGED_PER_DAY} changed)`;
  const db = await createDatabase('incexp');
  try {
    await cli(db.url, ['migrate']);
    log(`incremental export: ${formatNumber(n)} tickets generated in SQL`);
    await seedTickets(db.url, n);
    await vacuumAnalyze(db.url);
    const exportsDir = ensureDir(join(ctx.scratch, 'incremental-exports'));
    const rows: ResultRow[] = [];
    const service = await Service.start({
      databaseUrl: db.url,
      label: 'incremental-export',
      env: { EXPORTS_PATH: exportsDir, EXPORTS_KEEP: '2' },
      nodeArgs: profilingArgs(ctx.cpuProf, 'incremental-export'),
    });
    try {
      let day = 0;
      for (const format of ['csv', 'both']) {
        const full: number[] = [];
        const incremental: number[] = [];
        let last = { written: 0, files: 0 };
        for (let round = 0; round < ROUNDS; round += 1) {
          const f = await timedExport(service, format, true);
          full.push(f.ms);
          await changeADay(db.url, (day += 1));
          const i = await timedExport(service, format, false);
          incremental.push(i.ms);
          last = i;
          log(
            `incremental export ${format}: full ${(f.ms / 1000).toFixed(2)} s, after ${CHANGED_PER_DAY} changes ${(i.ms / 1000).toFixed(2)} s (${i.written} of ${i.files} month files written)`,
          );
        }
        const [fullMs, incMs] = [median(full), median(incremental)];
        rows.push(
          ratioRow(
            `incremental_export_${format}`,
            path(format),
            { value: incMs, unit: 'ms', label: `POST /internal/exports/generate?format=${format} after a day of changes` },
            { value: fullMs, unit: 'ms', label: `the same with full=true` },
            atMost(0.05, 'full export'),
            [
              `${ROUNDS} interleaved pairs (full, then ${CHANGED_PER_DAY} newest tickets changed, then incremental): full ${full.map((ms) => (ms / 1000).toFixed(2)).join(' / ')} s, ` +
                `incremental ${incremental.map((ms) => (ms / 1000).toFixed(2)).join(' / ')} s; ${last.written} of ${last.files} month files written`,
            ],
            { full_ms: full, incremental_ms: incremental },
          ),
        );
      }
    } finally {
      await service.stop();
    }
    return rows;
  } catch (error) {
    log(`incremental export: error: ${String(error)}`);
    return ['csv', 'both'].map((format) => errorRow(`incremental_export_${format}`, path(format), '≤ 0.05× full export', error));
  } finally {
    await db.drop();
  }
}
