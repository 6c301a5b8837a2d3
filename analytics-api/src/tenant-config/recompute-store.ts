import type { Queryable } from '../db/database.js';

/** SQL for config_recompute_jobs (migration 005): one pending recompute per tenant, with a lease. */

/** Asks for a recompute up to `version` (in the transaction that stored that version). */
export async function requestRecompute(tx: Queryable, tenantId: string, version: number): Promise<void> {
  await tx.query(
    `INSERT INTO config_recompute_jobs (tenant_id, wanted_version) VALUES ($1::uuid, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET wanted_version = GREATEST(config_recompute_jobs.wanted_version, EXCLUDED.wanted_version),
                                           requested_at = now(), last_error = NULL`,
    [tenantId, version],
  );
}

/** Tenants with a pending job whose lease is free or expired, oldest request first. */
export async function pendingJobs(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM config_recompute_jobs WHERE lease_until IS NULL OR lease_until < now() ORDER BY requested_at`,
  );
  return rows.map((row) => row.tenant_id);
}

/** Takes (or extends) the tenant's lease for `owner`; false when another owner holds a live one. */
export async function takeLease(db: Queryable, tenantId: string, owner: string, seconds: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE config_recompute_jobs SET lease_owner = $2, lease_until = now() + $3 * interval '1 second'
      WHERE tenant_id = $1::uuid AND (lease_owner = $2 OR lease_until IS NULL OR lease_until < now())`,
    [tenantId, owner, seconds],
  );
  return rowCount > 0;
}

/** Removes the job when no stored day is older than its wanted version; true when removed. */
export async function finishIfDone(tx: Queryable, tenantId: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `DELETE FROM config_recompute_jobs j
      WHERE j.tenant_id = $1::uuid
        AND NOT EXISTS (SELECT 1 FROM kpi_daily k WHERE k.tenant_id = j.tenant_id
                           AND k.config_version < (SELECT COALESCE(max(version), 0) FROM tenant_config_versions c WHERE c.tenant_id = j.tenant_id))`,
    [tenantId],
  );
  return rowCount > 0;
}

export async function releaseLease(db: Queryable, tenantId: string, owner: string, error?: string): Promise<void> {
  await db.query(
    `UPDATE config_recompute_jobs SET lease_owner = NULL, lease_until = NULL, last_error = $3 WHERE tenant_id = $1::uuid AND lease_owner = $2`,
    [tenantId, owner, error ?? null],
  );
}
