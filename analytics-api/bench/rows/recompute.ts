/**
 * The `recompute` group: a configuration change recomputes every stored KPI day of the tenant in
 * the background (src/tenant-config/recompute.ts). The row compares the time from the PUT of a new
 * configuration to the last stale day recomputed, for the mid-size tenant with a year (366 days) of
 * stored KPIs, with one 366-day compute-daily call on the same tenant that replaces the same 366
 * stored days (what the recompute does too: delete and write every day and its breakdowns) under
 * the same configurations, the two measured alternately. Target: no longer. The notes also give the
 * call with the default configuration, replacing days and onto empty days (the KPI range row's arm).
 */
import { log, median, now, sleep } from '../lib/common.js';
import type { BenchContext } from '../lib/context.js';
import { KPI_DAY, MID_TENANT } from '../lib/dataset.js';
import { createDatabase, withClient } from '../lib/pg.js';
import { atMost, errorRow, ratioRow, type ResultRow } from '../lib/report.js';
import { cli, expectStatus, Service } from '../lib/service.js';
import { addDays } from '../../src/kpi/dates.js';

/** Configurations that change every day's values (each PUT is a new version: every stored day is stale). */
const CONFIGS = [
  {
    timezone: MID_TENANT.timezone,
    priority_map: { Critical: 'P1', High: 'P2', Medium: 'P3', Low: 'P4' },
    sla_targets: { P1: { response_minutes: 30, resolution_hours: 4 }, P2: { response_minutes: 120, resolution_hours: 16 } },
    business_hours: Object.fromEntries([1, 2, 3, 4, 5].map((d) => [String(d), ['08:00', '18:00']])),
    workdays: [1, 2, 3, 4, 5],
    holidays: ['2025-12-25', '2026-01-01'],
  },
  { timezone: MID_TENANT.timezone, sla_targets: { P3: { response_minutes: 240 } }, sla_source: 'config_only', daily_capacity_hours: 7 },
  { timezone: MID_TENANT.timezone, excluded: { work_types: ['Admin'], boards: ['Projects'] }, technician_capacity_hours: { 'tech-1': 4 } },
];

async function rangeCall(service: Service, from: string, to: string): Promise<number> {
  const res = expectStatus(
    await service.internal('POST', `/internal/kpi/compute-daily?tenant_id=${MID_TENANT.id}&from=${from}&to=${to}`),
    200,
    'compute-daily range',
  );
  return res.ms;
}

/** PUT a configuration, then poll until no stored day is stale; the elapsed time. */
async function recompute(service: Service, config: unknown): Promise<{ ms: number; days: number }> {
  const t0 = now();
  const put = expectStatus(
    await service.internal('PUT', `/internal/tenants/${MID_TENANT.id}/config`, JSON.stringify(config)),
    200,
    'PUT config',
  );
  const days = (JSON.parse(put.body) as { stale_days_count: number }).stale_days_count;
  for (;;) {
    const res = expectStatus(await service.internal('GET', `/internal/tenants/${MID_TENANT.id}/config`), 200, 'GET config');
    if ((JSON.parse(res.body) as { stale_days_count: number }).stale_days_count === 0) return { ms: now() - t0, days };
    await sleep(50);
  }
}

export async function recomputeRows(ctx: BenchContext): Promise<ResultRow[]> {
  const path = `configuration recompute (${ctx.sizes.rangeDays} stored days)`;
  const db = await createDatabase('recompute');
  try {
    const mockEnv = { MOCK_MODE: 'true', MOCK_DATA_PATH: ctx.dataset.dir };
    await cli(db.url, ['migrate']);
    await cli(db.url, ['seed-mock'], mockEnv);
    const service = await Service.start({ databaseUrl: db.url, label: 'recompute', env: mockEnv });
    try {
      for (const entity of ['tickets', 'time_entries']) {
        expectStatus(
          await service.internal('POST', `/internal/ingest/${entity}?tenant_id=${MID_TENANT.id}`),
          200,
          `mock ingest of ${entity}`,
        );
      }
      const to = KPI_DAY;
      const from = addDays(to, -(ctx.sizes.rangeDays - 1));
      // The KPI range row's call, with the default configuration (before any change): warm-up, then
      // three calls replacing the stored days, then three onto empty, vacuumed KPI tables.
      await rangeCall(service, from, to);
      const defaultRanges: number[] = [];
      for (let i = 0; i < 3; i += 1) defaultRanges.push(await rangeCall(service, from, to));
      const emptyRanges: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        await withClient(db.url, async (c) => {
          for (const table of ['kpi_daily', 'kpi_daily_breakdown']) {
            await c.query(`DELETE FROM ${table} WHERE tenant_id = $1::uuid`, [MID_TENANT.id]);
            await c.query(`VACUUM ANALYZE ${table}`);
          }
        });
        emptyRanges.push(await rangeCall(service, from, to));
      }
      // Then, alternately (so that the other load of the machine hits both alike): a range call
      // replacing the stored days with the current configuration, and a change to the next one.
      await recompute(service, CONFIGS[0]);
      const ranges: number[] = [];
      const recomputes: { ms: number; days: number }[] = [];
      for (let i = 0; i < 3; i += 1) {
        ranges.push(await rangeCall(service, from, to));
        recomputes.push(await recompute(service, CONFIGS[(i + 1) % CONFIGS.length]));
      }
      const recomputeMs = median(recomputes.map((r) => r.ms));
      const rangeMs = median(ranges);
      log(
        `recompute: ${recomputes.map((r) => r.ms.toFixed(0)).join(' / ')} ms for ${recomputes[0]!.days} days; range calls ${ranges.map((ms) => ms.toFixed(0)).join(' / ')} ms, default configuration ${defaultRanges.map((ms) => ms.toFixed(0)).join(' / ')} ms`,
      );
      return [
        ratioRow(
          'config_recompute',
          path,
          {
            value: recomputeMs,
            unit: 'ms',
            label: `PUT config → no stale day, ${recomputes[0]!.days} days, mid-size tenant (median of 3)`,
          },
          {
            value: rangeMs,
            unit: 'ms',
            label: `one compute-daily call replacing ${ctx.sizes.rangeDays} stored days, same configurations, alternating (median of 3)`,
          },
          atMost(1, 'range call'),
          [
            `recomputes ${recomputes.map((r) => r.ms.toFixed(0)).join(' / ')} ms (each a new configuration version: priority map, SLA targets in business hours, exclusions, capacities); the time includes the PUT and polling GET /internal/tenants/{id}/config every 50 ms`,
            `range calls replacing stored days ${ranges.map((ms) => ms.toFixed(0)).join(' / ')} ms; with the default configuration ${defaultRanges.map((ms) => ms.toFixed(0)).join(' / ')} ms, onto empty days (KPI tables vacuumed) ${emptyRanges.map((ms) => ms.toFixed(0)).join(' / ')} ms`,
          ],
          {
            recompute_ms: recomputes.map((r) => r.ms),
            range_ms: ranges,
            default_range_ms: defaultRanges,
            range_onto_empty_ms: emptyRanges,
          },
        ),
      ];
    } finally {
      await service.stop();
    }
  } catch (error) {
    log(`recompute: error: ${String(error)}`);
    return [errorRow('config_recompute', path, '≤ 1× range call', error)];
  } finally {
    await db.drop();
  }
}
