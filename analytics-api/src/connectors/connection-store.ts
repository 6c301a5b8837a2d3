import type { Queryable } from '../db/database.js';
import type { PsaSource } from '../ingest/canonical.js';

/** SQL for psa_connections: the sealed connection, the sync lease and the last sync's outcome. */

export interface ConnectionRow {
  tenant_id: string;
  psa: PsaSource;
  base_url: string | null;
  secret_sealed: string;
  secret_key_id: string;
  created_at: Date;
  updated_at: Date;
  last_sync_at: Date | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
  sync_run_id: string | null;
  picklists: Record<string, Record<string, Record<string, string>>>;
}

const COLUMNS = `tenant_id, psa, base_url, secret_sealed, secret_key_id, created_at, updated_at, last_sync_at,
  last_sync_status, last_sync_error, sync_run_id, picklists`;

export async function saveConnection(
  db: Queryable,
  c: { tenantId: string; psa: PsaSource; baseUrl: string | null; sealed: string; keyId: string },
): Promise<ConnectionRow> {
  // A new PSA or address starts the sync afresh; the picklists belong to the old account.
  const { rows } = await db.query<ConnectionRow>(
    `INSERT INTO psa_connections (tenant_id, psa, base_url, secret_sealed, secret_key_id)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id) DO UPDATE SET psa = EXCLUDED.psa, base_url = EXCLUDED.base_url,
       secret_sealed = EXCLUDED.secret_sealed, secret_key_id = EXCLUDED.secret_key_id, updated_at = now(),
       picklists = '{}'::jsonb
     RETURNING ${COLUMNS}`,
    [c.tenantId, c.psa, c.baseUrl, c.sealed, c.keyId],
  );
  return rows[0]!;
}

export async function findConnection(db: Queryable, tenantId: string): Promise<ConnectionRow | undefined> {
  const { rows } = await db.query<ConnectionRow>(`SELECT ${COLUMNS} FROM psa_connections WHERE tenant_id = $1`, [tenantId]);
  return rows[0];
}

export async function deleteConnection(db: Queryable, tenantId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM psa_connections WHERE tenant_id = $1', [tenantId]);
  await db.query('DELETE FROM psa_sync_cursors WHERE tenant_id = $1', [tenantId]);
  await db.query('DELETE FROM psa_full_pass_seen WHERE tenant_id = $1', [tenantId]);
  return rowCount > 0;
}

export async function listSealed(db: Queryable): Promise<{ tenant_id: string; secret_sealed: string; secret_key_id: string }[]> {
  const { rows } = await db.query<{ tenant_id: string; secret_sealed: string; secret_key_id: string }>(
    'SELECT tenant_id, secret_sealed, secret_key_id FROM psa_connections ORDER BY tenant_id',
  );
  return rows;
}

export async function replaceSealed(db: Queryable, tenantId: string, from: string, sealed: string, keyId: string): Promise<boolean> {
  // Compare-and-set: a connection set again meanwhile keeps its newer secret.
  const { rowCount } = await db.query(
    'UPDATE psa_connections SET secret_sealed = $3, secret_key_id = $4 WHERE tenant_id = $1 AND secret_sealed = $2',
    [tenantId, from, sealed, keyId],
  );
  return rowCount > 0;
}

/**
 * Takes the tenant's sync lease when it is free or expired. Atomic in one UPDATE, so two replicas
 * cannot both win; returns the run id holding it when another sync runs.
 */
export async function acquireLease(
  db: Queryable,
  tenantId: string,
  runId: string,
  seconds: number,
): Promise<{ acquired: true } | { acquired: false; holder: string | null }> {
  const { rowCount } = await db.query(
    `UPDATE psa_connections SET sync_run_id = $2, sync_lease_until = now() + make_interval(secs => $3), last_sync_status = 'running'
      WHERE tenant_id = $1 AND (sync_run_id IS NULL OR sync_lease_until < now())`,
    [tenantId, runId, seconds],
  );
  if (rowCount > 0) return { acquired: true };
  const { rows } = await db.query<{ sync_run_id: string | null }>('SELECT sync_run_id FROM psa_connections WHERE tenant_id = $1', [
    tenantId,
  ]);
  return { acquired: false, holder: rows[0]?.sync_run_id ?? null };
}

export async function renewLease(db: Queryable, tenantId: string, runId: string, seconds: number): Promise<void> {
  await db.query(
    'UPDATE psa_connections SET sync_lease_until = now() + make_interval(secs => $3) WHERE tenant_id = $1 AND sync_run_id = $2',
    [tenantId, runId, seconds],
  );
}

export async function releaseLease(
  db: Queryable,
  tenantId: string,
  runId: string,
  outcome: { status: 'succeeded' | 'failed' | 'credentials_refused'; error: string | null },
): Promise<void> {
  await db.query(
    `UPDATE psa_connections SET sync_run_id = NULL, sync_lease_until = NULL, last_sync_at = now(),
            last_sync_status = $3, last_sync_error = $4
      WHERE tenant_id = $1 AND sync_run_id = $2`,
    [tenantId, runId, outcome.status, outcome.error],
  );
}

export async function savePicklists(
  db: Queryable,
  tenantId: string,
  entity: string,
  labels: Record<string, Record<string, string>>,
): Promise<void> {
  await db.query(`UPDATE psa_connections SET picklists = jsonb_set(picklists, ARRAY[$2::text], $3::jsonb) WHERE tenant_id = $1`, [
    tenantId,
    entity,
    JSON.stringify(labels),
  ]);
}

export interface SyncOverview {
  tenant_id: string;
  psa: string;
  last_sync_at: Date | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
}

export async function syncOverviews(db: Queryable): Promise<SyncOverview[]> {
  const { rows } = await db.query<SyncOverview>(
    'SELECT tenant_id, psa, last_sync_at, last_sync_status, last_sync_error FROM psa_connections',
  );
  return rows;
}
