import type { Queryable } from '../db/database.js';
import { addDays } from '../kpi/dates.js';
import type { KpiDay, KpiDayList } from '../kpi/kpi-service.js';
import { readDaily } from '../kpi/kpi-service.js';
import { yesterdayIn } from '../kpi/kpi-store.js';
import type { ConfigDocument } from '../tenant-config/config-schema.js';
import { effectiveConfig } from '../tenant-config/effective-config.js';
import type { Tenant } from '../tenants/tenant-service.js';
import { evaluateDay, type DayVerdict, type KpiTarget } from './evaluate.js';

/**
 * One tenant's day as the alerts and the morning report see it: its KPIs (as /v1/kpis/daily
 * serves them), the days before it, and what can be said about its targets.
 *
 * - `missing`: the day was never computed; `stale`: computed with an older configuration (a
 *   recompute is pending) — in both cases nothing is evaluated, so neither is ever "all good";
 * - `no_targets`: the tenant set no kpi_targets;
 * - `breached` / `ok`: evaluated.
 */
export type DayStatus = 'missing' | 'stale' | 'no_targets' | 'breached' | 'ok';

export interface DayAssessment {
  tenant: Tenant;
  config: ConfigDocument;
  date: string;
  status: DayStatus;
  day: KpiDay | undefined;
  previous: KpiDay | undefined;
  /** The `days` days ending with `date`, oldest first; a day never computed is undefined. */
  week: { date: string; day: KpiDay | undefined }[];
  /** Empty unless the status is breached or ok. */
  verdict: DayVerdict;
}

const EMPTY_VERDICT: DayVerdict = { breaches: [], no_verdict: [], met: [] };

/** `date` undefined → yesterday in the tenant's time zone (the day WF-10 computed last night). */
export async function assessDay(db: Queryable, tenant: Tenant, date: string | undefined, days = 2): Promise<DayAssessment> {
  const { config } = await effectiveConfig(db, tenant);
  const day = date ?? (await yesterdayIn(db, tenant.timezone));
  const from = addDays(day, -(Math.max(days, 2) - 1));
  const stored = ((await readDaily(db, tenant.id, { from, to: day }, undefined, { tenantVerified: true })) as KpiDayList).items;
  const byDate = new Map(stored.map((d) => [d.date, d]));
  const week = Array.from({ length: Math.max(days, 2) }, (_, i) => addDays(from, i)).map((d) => ({ date: d, day: byDate.get(d) }));
  const current = byDate.get(day);
  const targets = config.kpi_targets as Record<string, KpiTarget>;
  let status: DayStatus;
  let verdict = EMPTY_VERDICT;
  if (!current) status = 'missing';
  else if (current.stale) status = 'stale';
  else if (Object.keys(targets).length === 0) status = 'no_targets';
  else {
    verdict = evaluateDay(current.kpis, targets);
    status = verdict.breaches.length > 0 ? 'breached' : 'ok';
  }
  return {
    tenant,
    config,
    date: day,
    status,
    day: current,
    previous: byDate.get(addDays(day, -1)),
    week: week.slice(-Math.max(days, 2)),
    verdict,
  };
}
