import type { Database, Queryable } from '../db/database.js';
import { invalid, preconditionFailed } from '../errors.js';
import { addDays, daysBetween, MAX_RANGE_DAYS } from '../kpi/dates.js';
import * as kpiStore from '../kpi/kpi-store.js';
import type { KpiReadCache } from '../kpi/read-cache.js';
import { isKnownTimezone } from '../tenants/tenant-store.js';
import { getTenant } from '../tenants/tenant-service.js';
import { normalizeConfig, type ConfigDocument } from './config-schema.js';
import * as store from './config-store.js';
import type { ChangedBy } from './config-store.js';
import { effectiveConfig, kpiInputs, sameKpiInputs } from './effective-config.js';
import { requestRecompute } from './recompute-store.js';

/**
 * A tenant's KPI configuration: reading it, replacing it (a new version, then a background
 * recompute of every stored day) and trying a change without storing it. No HTTP here.
 */

export type { ChangedBy };

/** How many stale dates a view lists (the count is always exact). */
const STALE_LIST_LIMIT = 400;

export interface ConfigView {
  tenant_id: string;
  config_version: number;
  changed_by: ChangedBy | null;
  changed_at: string | null;
  config: ConfigDocument;
  /** Stored KPI days computed with an older version: recomputed in the background. */
  stale_days_count: number;
  stale_days: string[];
}

export async function getConfig(db: Queryable, tenantId: string): Promise<ConfigView> {
  const tenant = await getTenant(db, tenantId);
  const effective = await effectiveConfig(db, tenant);
  const stale = await store.staleDays(db, tenant.id, effective.version);
  return {
    tenant_id: tenant.id,
    config_version: effective.version,
    changed_by: effective.changed_by,
    changed_at: effective.changed_at,
    config: effective.config,
    stale_days_count: stale.length,
    stale_days: stale.slice(0, STALE_LIST_LIMIT),
  };
}

/** The tenant's own view (GET /v1/config): the document and its version. */
export async function getOwnConfig(db: Queryable, tenantId: string): Promise<{ config_version: number; config: ConfigDocument }> {
  const view = await getConfig(db, tenantId);
  return { config_version: view.config_version, config: view.config };
}

/** The document validated and completed, its time zone checked against PostgreSQL's. */
async function validated(db: Queryable, input: unknown): Promise<ConfigDocument> {
  const config = normalizeConfig(input);
  if (!(await isKnownTimezone(db, config.timezone))) {
    throw invalid(`timezone "${config.timezone}" is not an IANA time zone known to PostgreSQL`, [
      { field: 'timezone', detail: 'unknown time zone' },
    ]);
  }
  return config;
}

export interface PutOptions {
  changedBy: ChangedBy;
  /** The version the caller read (If-Match); a different current version → 412. */
  ifMatch?: number;
  /** The app's cache of /v1 answers, told that the tenant's stored days became stale. */
  readCache?: KpiReadCache;
}

/**
 * Replaces the tenant's configuration with `input` (omitted fields take their defaults) as a new
 * version, and asks for the recompute of every stored day, in one transaction. The time zone and
 * daily capacity go to the tenants table. When the KPIs read the same inputs as before, the days of
 * the previous version take the new one instead of being recomputed.
 */
export async function putConfig(db: Database, tenantId: string, input: unknown, options: PutOptions): Promise<ConfigView> {
  const tenant = await getTenant(db, tenantId);
  const config = await validated(db, input);
  const { timezone, daily_capacity_hours: capacity, ...document } = config;
  await db.transaction(async (tx) => {
    await store.lockTenantConfig(tx, tenant.id);
    const before = await effectiveConfig(tx, await getTenant(tx, tenant.id));
    const current = before.version;
    if (options.ifMatch !== undefined && options.ifMatch !== current) {
      throw preconditionFailed(`If-Match: the configuration is at version ${current}, not ${options.ifMatch}; read it again and retry`);
    }
    await store.insertVersion(tx, tenant.id, current + 1, document, options.changedBy);
    await store.updateTenantDay(tx, tenant.id, timezone, capacity);
    // A change the KPIs do not read (alert targets, recipients, language, currency) leaves every
    // value as it is: the days computed with the previous version are current as they stand.
    if (sameKpiInputs(before.config, config)) await store.carryDaysForward(tx, tenant.id, current, current + 1);
    await requestRecompute(tx, tenant.id, current + 1);
  });
  // Stored days just became stale or took the new version: cached /v1/kpis/daily answers must say so.
  await options.readCache?.bump(tenant.id);
  return getConfig(db, tenant.id);
}

export interface DryRun {
  tenant_id: string;
  valid: true;
  config: ConfigDocument;
  /** Stored days whose values (or groups) would differ under the new configuration. */
  changed_days: string[];
  stored_days_count: number;
}

/**
 * Validates `input` and computes every stored day with it, without storing anything: the days whose
 * stored rows (tenant and groups) would change. Read-only.
 */
export async function dryRunConfig(db: Database, tenantId: string, input: unknown): Promise<DryRun> {
  const tenant = await getTenant(db, tenantId);
  const config = await validated(db, input);
  const days = await store.storedDays(db, tenant.id);
  const changed: string[] = [];
  for (const [from, to] of spans(days)) {
    const target = { tenantId: tenant.id, from, to, ...kpiInputs(config) };
    const [next, stored] = await db.transaction(async (tx) => [
      await kpiStore.computeOnly(tx, target),
      await kpiStore.storedRows(tx, tenant.id, from, to),
    ]);
    const before = byDay(stored);
    const after = byDay(next);
    const zoneChanged = config.timezone !== tenant.timezone;
    for (const day of days.filter((d) => d >= from && d <= to)) {
      if (zoneChanged || before.get(day) !== after.get(day)) changed.push(day);
    }
  }
  return { tenant_id: tenant.id, valid: true, config, changed_days: changed, stored_days_count: days.length };
}

/** The rows of each day as one comparable string (freshness left out: it is not a KPI). */
function byDay(rows: Record<string, unknown>[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const { data_as_of: _fresh, ...row } of rows) {
    const day = String(row.kpi_date);
    map.set(day, (map.get(day) ?? '') + JSON.stringify(row));
  }
  return map;
}

/**
 * Sorted dates as runs of consecutive days, each at most MAX_RANGE_DAYS long: what one range
 * computation covers without touching a day that was never stored.
 */
export function spans(days: readonly string[], maxDays: number = MAX_RANGE_DAYS): [string, string][] {
  const result: [string, string][] = [];
  for (const day of days) {
    const last = result.at(-1);
    if (last && addDays(last[1], 1) === day && daysBetween(last[0], day) < maxDays) last[1] = day;
    else result.push([day, day]);
  }
  return result;
}
