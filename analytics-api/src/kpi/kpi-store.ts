import type { Queryable } from '../db/database.js';
import { DEFAULT_CONFIG, kpiSettings } from '../tenant-config/config-schema.js';
import {
  CLEAR_STAGING,
  COMPUTE_AND_STORE,
  COMPUTE_ONLY,
  CURRENT_CONFIG_VERSION,
  COMPUTE_INTO_STAGING,
  DELETE_RANGE,
  KPI_COLUMNS,
  LOCK_TENANT,
  MOVE_FROM_STAGING,
  SESSION_SETTINGS,
} from './compute.sql.js';

/** SQL for kpi_daily and kpi_daily_breakdown. Parameters only; no values built into strings. */

export type Dimension = 'client' | 'technician' | 'priority';
export const DIMENSIONS: readonly Dimension[] = ['client', 'technician', 'priority'];

export interface DayRow extends Record<string, unknown> {
  date: string;
  timezone: string;
  config_version: number;
  /** Computed with an older configuration version than the tenant's current one. */
  stale: boolean;
  computed_at: Date;
  data_as_of: Date | null;
  /** The configured currency, else the one currency of the tenant's time entries, else null (see readDays). */
  currency: string | null;
}

export interface GroupRow extends Record<string, unknown> {
  date: string;
  group_key: string | null;
  group_label: string;
}

export interface ComputeTarget {
  tenantId: string;
  from: string;
  to: string;
  timezone: string;
  dailyCapacityHours: number;
  /** The KPI settings of the tenant's configuration (default: the defaults). */
  settings?: Record<string, unknown>;
  /** The configuration version those settings are (default 0, the defaults). */
  configVersion?: number;
}

const DEFAULT_SETTINGS = kpiSettings(DEFAULT_CONFIG);

/**
 * The configuration changed between reading it and storing with it: the caller reads it again and
 * recomputes. Checked under the tenant's lock, so a stored day's config_version is always the one
 * that was current when it was stored.
 */
export class ConfigChangedError extends Error {
  override name = 'ConfigChangedError';
}

/**
 * Computes and stores the days from..to of one tenant, replacing what was stored for them (or for
 * the wider `replacing` range, whose other days the caller stores in the same transaction). Must
 * run inside a transaction (the caller's `tx`), so that readers see either the old or the new days.
 */
export async function computeAndStore(
  tx: Queryable,
  target: ComputeTarget,
  replacing: ComputeTarget = target,
): Promise<{ days: number; groups: number }> {
  await tx.query(SESSION_SETTINGS);
  await tx.query(LOCK_TENANT, [target.tenantId]);
  const { rows: current } = await tx.query<{ version: number }>(CURRENT_CONFIG_VERSION, [target.tenantId]);
  if (current[0]!.version !== (target.configVersion ?? 0)) throw new ConfigChangedError('the tenant configuration changed');
  for (const statement of DELETE_RANGE) await tx.query(statement, [replacing.tenantId, replacing.from, replacing.to]);
  const { rows } = await tx.query<{ days: number; groups: number }>(COMPUTE_AND_STORE, computeParams(target));
  return rows[0] ?? { days: 0, groups: 0 };
}

function computeParams(target: ComputeTarget): unknown[] {
  return [...computeOnlyParams(target), target.configVersion ?? 0];
}

function computeOnlyParams(target: ComputeTarget): unknown[] {
  return [
    target.tenantId,
    target.from,
    target.to,
    target.timezone,
    target.dailyCapacityHours,
    JSON.stringify(target.settings ?? DEFAULT_SETTINGS),
  ];
}

/** Computes the days from..to (every dimension) without storing anything. */
export async function computeOnly(tx: Queryable, target: ComputeTarget): Promise<Record<string, unknown>[]> {
  await tx.query(SESSION_SETTINGS);
  const { rows } = await tx.query(COMPUTE_ONLY, computeOnlyParams(target));
  return rows;
}

/** Every stored row (days and groups) of from..to, in COMPUTE_ONLY's shape and order. */
export async function storedRows(db: Queryable, tenantId: string, from: string, to: string): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query(
    `SELECT kpi_date::text AS kpi_date, dimension, group_key, group_label, ${KPI_COLUMNS}, data_as_of FROM (
       SELECT kpi_date, 'tenant' AS dimension, NULL::text AS group_key, '(none)' AS group_label, ${KPI_COLUMNS}, data_as_of
         FROM kpi_daily WHERE tenant_id = $1::uuid AND kpi_date BETWEEN $2::date AND $3::date
       UNION ALL
       SELECT kpi_date, dimension, group_key, group_label, ${KPI_COLUMNS}, data_as_of
         FROM kpi_daily_breakdown WHERE tenant_id = $1::uuid AND kpi_date BETWEEN $2::date AND $3::date
     ) AS r ORDER BY kpi_date, dimension, group_key NULLS LAST`,
    [tenantId, from, to],
  );
  return rows;
}

/** Computes the days from..to into the staging tables under `callId` (its own transaction, no lock needed). */
export async function computeIntoStaging(tx: Queryable, target: ComputeTarget, callId: string): Promise<void> {
  await tx.query(SESSION_SETTINGS);
  await tx.query(COMPUTE_INTO_STAGING, [...computeParams(target), callId]);
}

/**
 * Moves what was staged under `callId` into kpi_daily / kpi_daily_breakdown. Run it in the
 * transaction of computeAndStore whose `replacing` range covers the staged days.
 */
export async function storeStaged(tx: Queryable, callId: string): Promise<void> {
  for (const statement of MOVE_FROM_STAGING) await tx.query(statement, [callId]);
}

/**
 * Every split range inserts and deletes a few hundred to thousands of rows in the staging tables: left
 * to autovacuum (a minute apart at best) the dead rows pile up — measured: all 62,700 rows of 200
 * calls still dead — and the table grows. A VACUUM of these small tables after each call costs a few
 * milliseconds and reclaims them at once; SKIP_LOCKED: when another call is vacuuming them, this one
 * leaves it to that one (or to the next call). Must not run inside a transaction.
 */
const VACUUM_STAGING = 'VACUUM (SKIP_LOCKED) kpi_daily_staging, kpi_daily_breakdown_staging';

/** Removes the rows staged under `callId` (and stale ones of crashed calls), then reclaims their space. */
export async function clearStaging(db: Queryable, callId: string): Promise<void> {
  for (const statement of CLEAR_STAGING) await db.query(statement, [callId]);
  await db.query(VACUUM_STAGING);
}

/** Yesterday in the given IANA time zone, as PostgreSQL's time zone data sees it. */
export async function yesterdayIn(db: Queryable, timezone: string): Promise<string> {
  const { rows } = await db.query<{ day: string }>(`SELECT ((now() AT TIME ZONE $1::text)::date - 1)::text AS day`, [timezone]);
  return rows[0]!.day;
}

/**
 * The currency of the tenant's amounts (billable_amount, effective_hourly_rate) when its
 * configuration names none: the one currency its time entries carry, or null when they carry none
 * or disagree. min() and max() are two probes
 * of the partial index raw_time_entries_currency_idx (migration 004), whatever the tenant's size;
 * read in the same statement as the days, so a read stays one statement.
 */
const AMOUNT_CURRENCY = `SELECT CASE WHEN min(x.currency) = max(x.currency) THEN min(x.currency) END AS currency
                           FROM raw_time_entries x WHERE x.tenant_id = $1::uuid AND x.currency IS NOT NULL`;

export async function readDays(db: Queryable, tenantId: string, from: string, to: string): Promise<DayRow[]> {
  const { rows } = await db.query<DayRow>(
    `SELECT k.kpi_date::text AS date, COALESCE(k.timezone, t.timezone) AS timezone, k.computed_at, k.data_as_of,
            k.config_version, k.config_version < COALESCE(v.version, 0) AS stale,
            COALESCE(v.currency, cur.currency) AS currency,
            ${KPI_COLUMNS}
       FROM kpi_daily k
       JOIN tenants t ON t.id = k.tenant_id
       LEFT JOIN LATERAL (SELECT c.version, c.document->>'currency' AS currency
                            FROM tenant_config_versions c WHERE c.tenant_id = k.tenant_id
                           ORDER BY c.version DESC LIMIT 1) AS v ON true
      CROSS JOIN (${AMOUNT_CURRENCY}) cur
      WHERE k.tenant_id = $1::uuid AND k.kpi_date BETWEEN $2::date AND $3::date
      ORDER BY k.kpi_date`,
    [tenantId, from, to],
  );
  return rows;
}

/** The groups of one dimension for the days from..to: named groups by label, "(none)" last. */
export async function readGroups(db: Queryable, tenantId: string, from: string, to: string, dimension: Dimension): Promise<GroupRow[]> {
  const { rows } = await db.query<GroupRow>(
    `SELECT kpi_date::text AS date, group_key, group_label, ${KPI_COLUMNS}
       FROM kpi_daily_breakdown
      WHERE tenant_id = $1::uuid AND kpi_date BETWEEN $2::date AND $3::date AND dimension = $4
      ORDER BY kpi_date, group_key IS NULL, group_label, group_key`,
    [tenantId, from, to, dimension],
  );
  return rows;
}
