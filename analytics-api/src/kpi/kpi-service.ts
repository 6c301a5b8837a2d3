import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { invalid, notFound } from '../errors.js';
import { computeSettings, effectiveConfig } from '../tenant-config/effective-config.js';
import { getTenant } from '../tenants/tenant-service.js';
import { addDays, daysBetween, parsePeriod, type PeriodInput } from './dates.js';
import { serializeKpis, type Kpis } from './kpi-keys.js';
import * as store from './kpi-store.js';
import type { KpiReadCache } from './read-cache.js';
import type { Dimension } from './kpi-store.js';

/**
 * Daily KPIs of docs/kpis.md: computing them (set-based SQL in compute.sql.ts) and reading
 * them back as the objects of GET /v1/kpis/daily. No HTTP here: errors are DomainErrors.
 */

export interface KpiGroup {
  key: string | null;
  label: string;
  kpis: Kpis;
}

export interface KpiDay {
  tenant_id: string;
  date: string;
  timezone: string;
  /** The tenant configuration version the day was computed with. */
  config_version: number;
  /** Computed with an older configuration than the current one (a recompute is pending). */
  stale: boolean;
  computed_at: string;
  data_as_of: string | null;
  /**
   * ISO 4217 code of the amounts (billable_amount, effective_hourly_rate): the currency the
   * tenant's time entries carry when they agree, else null (unknown or mixed).
   */
  currency: string | null;
  kpis: Kpis;
  groups?: KpiGroup[];
}

export interface KpiDayList {
  tenant_id: string;
  items: KpiDay[];
}

export type { Dimension };

async function loadDays(db: Queryable, tenantId: string, from: string, to: string, groupBy?: Dimension): Promise<KpiDay[]> {
  const rows = await store.readDays(db, tenantId, from, to);
  const groupsByDate = new Map<string, KpiGroup[]>();
  if (groupBy) {
    for (const row of await store.readGroups(db, tenantId, from, to, groupBy)) {
      const list = groupsByDate.get(row.date) ?? [];
      list.push({ key: row.group_key, label: row.group_label, kpis: serializeKpis(row) });
      groupsByDate.set(row.date, list);
    }
  }
  return rows.map((row) => {
    const day: KpiDay = {
      tenant_id: tenantId,
      date: row.date,
      timezone: row.timezone,
      config_version: row.config_version,
      stale: row.stale,
      computed_at: row.computed_at.toISOString(),
      data_as_of: row.data_as_of ? row.data_as_of.toISOString() : null,
      currency: row.currency,
      kpis: serializeKpis(row),
    };
    if (groupBy) day.groups = groupsByDate.get(row.date) ?? [];
    return day;
  });
}

/**
 * Computes and stores the KPIs of one day (`date`), of every day of a range (`from`..`to`, at
 * most 366 days, in one statement), or of yesterday in the tenant's time zone (neither given).
 * Replaces what was stored for those days. Returns the day (date or default) or the list (range).
 */
/** `readCache`: the app's cache of /v1 answers, told after commit that the tenant's KPIs changed. */
export async function computeDaily(
  db: Database,
  tenantId: string,
  period: PeriodInput = {},
  readCache?: KpiReadCache,
): Promise<KpiDay | KpiDayList> {
  const parsed = parsePeriod(period);
  const tenant = await getTenant(db, tenantId);
  const yesterday = await store.yesterdayIn(db, tenant.timezone);
  const range = parsed ?? { from: yesterday, to: yesterday, single: true };
  // A day after the tenant's local today has no data yet: storing it would make an all-zero day the
  // "latest" one (dashboard, alerts) and stretch the exports' calendar to that year.
  const today = addDays(yesterday, 1);
  if (range.to > today) {
    const field = range.single ? 'date' : 'to';
    throw invalid(`${range.to} is in the future: the tenant's local today (${tenant.timezone}) is ${today}`, [
      { field, detail: `after ${today}` },
    ]);
  }
  const days = await computeRange(db, tenant.id, range.from, range.to, tenant);
  // Committed: cached answers of GET /v1/kpis/daily for this tenant are stale (kpi/read-cache.ts).
  await readCache?.bump(tenant.id);
  if (range.single) return days[0]!;
  return { tenant_id: tenant.id, items: days };
}

/**
 * Computes and stores from..to with the tenant's current configuration, read again (with the
 * tenant) when it changed before the rows could be stored (ConfigChangedError, checked under the
 * tenant's lock). The caller bumps the read cache.
 */
export async function computeRange(
  db: Database,
  tenantId: string,
  from: string,
  to: string,
  knownTenant?: { id: string; timezone: string; daily_capacity_hours: number },
  /** false: store only, return no days (the recompute does not read them back). */
  readBack = true,
): Promise<KpiDay[]> {
  for (let attempt = 1; ; attempt += 1) {
    const tenant = attempt === 1 && knownTenant ? knownTenant : await getTenant(db, tenantId);
    const target: store.ComputeTarget = { tenantId: tenant.id, from, to, ...computeSettings(await effectiveConfig(db, tenant)) };
    try {
      return db.maxConcurrency > 1 && daysBetween(from, to) + 1 >= SPLIT_RANGE_DAYS
        ? await computeSplit(db, target, readBack)
        : await db.transaction(async (tx) => {
            await store.computeAndStore(tx, target);
            return readBack ? loadDays(tx, tenant.id, from, to) : [];
          });
    } catch (error) {
      if (!(error instanceof store.ConfigChangedError) || attempt >= 5) throw error;
    }
  }
}

/**
 * Ranges of at least this many days are split in two parts computed at the same time when the
 * database runs two statements at once (PostgreSQL; PGlite has one connection): the statement runs
 * on one core, and a long range is CPU-bound (~600 ms for a year of a mid-size tenant).
 * docs/benchmarks.md ("KPI range: two parts or one statement") has what the split is measured to
 * save. Short ranges stay one statement: the extra round trips and the staging copy would be a
 * visible share of them (28 is a judgement, not a measured crossover).
 */
const SPLIT_RANGE_DAYS = 28;

/**
 * The share of a split range's days that goes through the staging tables. Under a half: that part
 * is copied into the real tables after it is computed, while the other part is written there as it
 * is computed, so both finish at about the same time.
 */
const STAGED_SHARE = 0.45;

/**
 * A split range: the first days are computed into the staging tables on a connection of their own,
 * while the storing transaction takes the tenant's lock, deletes the stored days of the whole range
 * and computes the later days straight into kpi_daily / kpi_daily_breakdown; it then moves the staged
 * days in. Readers see all the old days or all the new ones, as with one statement. The staged part
 * reads the raw data as of its own start (without the lock, which only the storing transaction
 * holds): a record ingested between the two starts is in one part's days and not the other's, as it
 * would be for two single-day calls a moment apart.
 */
async function computeSplit(db: Database, target: store.ComputeTarget, readBack = true): Promise<KpiDay[]> {
  const callId = randomUUID();
  const stagedDays = Math.max(1, Math.floor((daysBetween(target.from, target.to) + 1) * STAGED_SHARE));
  const laterFrom = addDays(target.from, stagedDays);
  // Requested before the storing transaction's connection: the pool hands connections out in
  // request order, so the transaction never holds one that the part it waits for still needs.
  const staging = db.transaction((tx) => store.computeIntoStaging(tx, { ...target, to: addDays(laterFrom, -1) }, callId));
  staging.catch(() => undefined); // awaited in the transaction; a failure before that must not go unhandled
  try {
    return await db.transaction(async (tx) => {
      await store.computeAndStore(tx, { ...target, from: laterFrom }, target);
      await staging;
      await store.storeStaged(tx, callId);
      return readBack ? loadDays(tx, target.tenantId, target.from, target.to) : [];
    });
  } finally {
    // Cleared only once the staging part has stopped writing.
    await staging.catch(() => undefined);
    await store.clearStaging(db, callId).catch(() => undefined);
  }
}

export interface ReadOptions {
  /**
   * The caller already proved the tenant exists and is active (the /v1 credential did): no tenant
   * lookup, the read is one query (two with groupBy).
   */
  tenantVerified?: boolean;
}

/**
 * The stored KPIs of the tenant for `date` (the day, or not_found when it was never computed) or for
 * `from`..`to` (the computed days of the range, ascending). `groupBy` adds that breakdown.
 */
export async function readDaily(
  db: Queryable,
  tenantId: string,
  period: PeriodInput,
  groupBy?: Dimension,
  options: ReadOptions = {},
): Promise<KpiDay | KpiDayList> {
  const parsed = parsePeriod(period);
  if (!parsed) throw invalid('give date=YYYY-MM-DD, or from and to', [{ field: 'date', detail: 'missing' }]);
  const id = options.tenantVerified ? tenantId : (await getTenant(db, tenantId)).id;
  const days = await loadDays(db, id, parsed.from, parsed.to, groupBy);
  if (parsed.single) {
    if (!days[0]) throw notFound(`KPIs for ${parsed.from} have not been computed for this tenant`);
    return days[0];
  }
  return { tenant_id: id, items: days };
}
