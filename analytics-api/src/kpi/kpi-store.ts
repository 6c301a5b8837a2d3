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

export async function readDays(db: Queryable, tenantId: string, from: string, to: string): Promise<DayRow[]> {
  const { rows } = await db.query<DayRow>(
    `SELECT k.kpi_date::text AS date, COALESCE(k.timezone, t.timezone) AS timezone, k.computed_at, k.data_as_of,
            ${KPI_COLUMNS}
       FROM kpi_daily k
       JOIN tenants t ON t.id = k.tenant_id
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
