import type { Queryable } from '../db/database.js';
import {
  CLEAR_STAGING,
  COMPUTE_AND_STORE,
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
  computed_at: Date;
  data_as_of: Date | null;
  /** The one currency of the tenant's time entries, null when none or several (see readDays). */
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
}

/**
 * Computes and stores the days from..to of one tenant, replacing what was stored for them (or for
 * the wider `replacing` range, whose other days the caller stores in the same transaction). Must
 * run inside a transaction (the caller's `tx`), so that readers see either the old or the new days.
 */
export async function computeAndStore(tx: Queryable, target: ComputeTarget, replacing: ComputeTarget = target): Promise<{ days: number; groups: number }> {
  await tx.query(SESSION_SETTINGS);
  await tx.query(LOCK_TENANT, [target.tenantId]);
  for (const statement of DELETE_RANGE) await tx.query(statement, [replacing.tenantId, replacing.from, replacing.to]);
  const { rows } = await tx.query<{ days: number; groups: number }>(COMPUTE_AND_STORE, computeParams(target));
  return rows[0] ?? { days: 0, groups: 0 };
}

function computeParams(target: ComputeTarget): unknown[] {
  return [target.tenantId, target.from, target.to, target.timezone, target.dailyCapacityHours];
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

/** Removes the rows staged under `callId` (and stale ones of crashed calls). */
export async function clearStaging(db: Queryable, callId: string): Promise<void> {
  for (const statement of CLEAR_STAGING) await db.query(statement, [callId]);
}

/** Yesterday in the given IANA time zone, as PostgreSQL's time zone data sees it. */
export async function yesterdayIn(db: Queryable, timezone: string): Promise<string> {
  const { rows } = await db.query<{ day: string }>(`SELECT ((now() AT TIME ZONE $1::text)::date - 1)::text AS day`, [timezone]);
  return rows[0]!.day;
}

/**
 * The currency of the tenant's amounts (billable_amount, effective_hourly_rate): the one currency
 * its time entries carry, or null when they carry none or disagree. min() and max() are two probes
 * of the partial index raw_time_entries_currency_idx (migration 004), whatever the tenant's size;
 * read in the same statement as the days, so a read stays one statement.
 */
const AMOUNT_CURRENCY = `SELECT CASE WHEN min(x.currency) = max(x.currency) THEN min(x.currency) END AS currency
                           FROM raw_time_entries x WHERE x.tenant_id = $1::uuid AND x.currency IS NOT NULL`;

export async function readDays(db: Queryable, tenantId: string, from: string, to: string): Promise<DayRow[]> {
  const { rows } = await db.query<DayRow>(
    `SELECT k.kpi_date::text AS date, COALESCE(k.timezone, t.timezone) AS timezone, k.computed_at, k.data_as_of,
            c.currency, ${KPI_COLUMNS}
       FROM kpi_daily k
       JOIN tenants t ON t.id = k.tenant_id
      CROSS JOIN (${AMOUNT_CURRENCY}) c
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

