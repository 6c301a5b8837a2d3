import type { Queryable } from '../db/database.js';

/** SQL for tenant_config_versions, the tenant columns the configuration owns, and stale days. */

/** Who wrote a version: the column's CHECK (migration 005) allows only these. */
export type ChangedBy = 'cli' | 'api';

export interface StoredConfig {
  version: number;
  document: Record<string, unknown>;
  changed_by: ChangedBy | null;
  changed_at: Date | null;
}

/** The tenant's current (highest) version, or undefined when it never set one. */
export async function currentConfig(db: Queryable, tenantId: string): Promise<StoredConfig | undefined> {
  const { rows } = await db.query<StoredConfig>(
    `SELECT version, document, changed_by, changed_at FROM tenant_config_versions
      WHERE tenant_id = $1::uuid ORDER BY version DESC LIMIT 1`,
    [tenantId],
  );
  return rows[0];
}

/** Serialises configuration writes of one tenant until the transaction ends. */
export async function lockTenantConfig(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('tenant_config:' || $1::text, 0))`, [tenantId]);
}

export async function insertVersion(
  tx: Queryable,
  tenantId: string,
  version: number,
  document: Record<string, unknown>,
  changedBy: ChangedBy,
): Promise<StoredConfig> {
  const { rows } = await tx.query<StoredConfig>(
    `INSERT INTO tenant_config_versions (tenant_id, version, document, changed_by) VALUES ($1::uuid, $2, $3::jsonb, $4)
     RETURNING version, document, changed_by, changed_at`,
    [tenantId, version, JSON.stringify(document), changedBy],
  );
  return rows[0]!;
}

/** The tenant's time zone and daily capacity live in the tenants table (their one source of truth). */
export async function updateTenantDay(tx: Queryable, tenantId: string, timezone: string, dailyCapacityHours: number): Promise<void> {
  await tx.query(`UPDATE tenants SET timezone = $2, daily_capacity_hours = $3, updated_at = now() WHERE id = $1::uuid`, [
    tenantId,
    timezone,
    dailyCapacityHours,
  ]);
}

/**
 * The tenant's days computed with version `from` take version `to`: for a change that gives every
 * KPI the same value (config-service.ts). Days of still older versions stay stale.
 */
export async function carryDaysForward(tx: Queryable, tenantId: string, from: number, to: number): Promise<void> {
  await tx.query(`UPDATE kpi_daily SET config_version = $3 WHERE tenant_id = $1::uuid AND config_version = $2`, [tenantId, from, to]);
}

/** Stored KPI days computed with an older configuration version than `version`, ascending. */
export async function staleDays(db: Queryable, tenantId: string, version: number): Promise<string[]> {
  const { rows } = await db.query<{ day: string }>(
    `SELECT kpi_date::text AS day FROM kpi_daily WHERE tenant_id = $1::uuid AND config_version < $2 ORDER BY kpi_date`,
    [tenantId, version],
  );
  return rows.map((row) => row.day);
}

/** Every stored KPI day of the tenant, ascending (what a configuration change recomputes). */
export async function storedDays(db: Queryable, tenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ day: string }>(
    `SELECT kpi_date::text AS day FROM kpi_daily WHERE tenant_id = $1::uuid ORDER BY kpi_date`,
    [tenantId],
  );
  return rows.map((row) => row.day);
}
