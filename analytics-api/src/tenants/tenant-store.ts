import type { Queryable } from '../db/database.js';

/** SQL for tenants and their API keys. Parameters only; no values built into strings. */

export interface TenantRow {
  id: string;
  name: string;
  timezone: string;
  daily_capacity_hours: number;
  source: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface NewTenant {
  id?: string;
  name: string;
  timezone: string;
  dailyCapacityHours: number;
  source: string;
  active?: boolean;
}

const TENANT_COLUMNS = 'id, name, timezone, daily_capacity_hours, source, active, created_at, updated_at';

export async function listTenants(db: Queryable): Promise<TenantRow[]> {
  const { rows } = await db.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY name, id`);
  return rows;
}

export async function findTenant(db: Queryable, id: string): Promise<TenantRow | undefined> {
  const { rows } = await db.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [id]);
  return rows[0];
}

/** Inserts the tenant; with `ifAbsent`, an existing id is left as it is (and returned as existing). */
export async function insertTenant(db: Queryable, tenant: NewTenant, ifAbsent = false): Promise<{ tenant: TenantRow; created: boolean }> {
  const { rows } = await db.query<TenantRow>(
    `INSERT INTO tenants (id, name, timezone, daily_capacity_hours, source, active)
     VALUES (COALESCE($1::uuid, gen_random_uuid()), $2, $3, $4, $5, $6)
     ${ifAbsent ? 'ON CONFLICT (id) DO NOTHING' : ''}
     RETURNING ${TENANT_COLUMNS}`,
    [tenant.id ?? null, tenant.name, tenant.timezone, tenant.dailyCapacityHours, tenant.source, tenant.active ?? true],
  );
  if (rows[0]) return { tenant: rows[0], created: true };
  const existing = await findTenant(db, tenant.id ?? '');
  if (!existing) throw new Error('tenant insert returned nothing');
  return { tenant: existing, created: false };
}

export async function setTenantActive(db: Queryable, id: string, active: boolean): Promise<TenantRow | undefined> {
  const { rows } = await db.query<TenantRow>(
    `UPDATE tenants SET active = $2, updated_at = now() WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
    [id, active],
  );
  return rows[0];
}

export async function isKnownTimezone(db: Queryable, timezone: string): Promise<boolean> {
  const { rows } = await db.query<{ known: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS known', [
    timezone,
  ]);
  return rows[0]?.known === true;
}

export interface ApiKeyRow {
  tenant_id: string;
  id: string;
  name: string;
  key_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const KEY_COLUMNS = 'tenant_id, id, name, key_prefix, created_at, last_used_at, expires_at, revoked_at';

export async function insertApiKey(
  db: Queryable,
  key: { tenantId: string; name: string; hash: string; prefix: string; expiresAt?: Date },
): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (tenant_id, name, key_hash, key_prefix, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${KEY_COLUMNS}`,
    [key.tenantId, key.name, key.hash, key.prefix, key.expiresAt ?? null],
  );
  return rows[0]!;
}

export async function listApiKeys(db: Queryable, tenantId: string): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at`, [tenantId]);
  return rows;
}

/** Tenants (of the given ids) that have at least one key that is not revoked. */
export async function tenantsWithLiveKeys(db: Queryable, tenantIds: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ tenant_id: string }>(
    'SELECT DISTINCT tenant_id FROM api_keys WHERE tenant_id = ANY($1::uuid[]) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())',
    [tenantIds],
  );
  return new Set(rows.map((row) => row.tenant_id));
}

/** Revokes keys of a tenant matching a key id, a name or a key prefix. Returns the revoked keys. */
export async function revokeApiKeys(
  db: Queryable,
  tenantId: string,
  match: { id?: string; name?: string; prefix?: string; hash?: string },
): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = now()
      WHERE tenant_id = $1 AND revoked_at IS NULL
        AND ($2::uuid IS NULL OR id = $2::uuid)
        AND ($3::text IS NULL OR name = $3)
        AND ($4::text IS NULL OR key_prefix = $4)
        AND ($5::text IS NULL OR key_hash = $5)
      RETURNING ${KEY_COLUMNS}`,
    [tenantId, match.id ?? null, match.name ?? null, match.prefix ?? null, match.hash ?? null],
  );
  return rows;
}

export interface KeyOwner {
  key_id: string;
  tenant_id: string;
  tenant_active: boolean;
  revoked: boolean;
  /** Null: the key never expires. */
  expires_at: Date | null;
  expired: boolean;
}

export async function findKeyOwner(db: Queryable, tenantId: string, keyHash: string): Promise<KeyOwner | undefined> {
  const { rows } = await db.query<KeyOwner>(
    `SELECT k.id AS key_id, k.tenant_id, t.active AS tenant_active, (k.revoked_at IS NOT NULL) AS revoked,
            k.expires_at, (k.expires_at IS NOT NULL AND k.expires_at <= now()) AS expired
       FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
      WHERE k.tenant_id = $1 AND k.key_hash = $2`,
    [tenantId, keyHash],
  );
  return rows[0];
}

/** last_used_at is informative: written at most once a minute per key to keep reads cheap. */
export async function touchApiKey(db: Queryable, tenantId: string, keyId: string): Promise<void> {
  await db.query(
    `UPDATE api_keys SET last_used_at = now()
      WHERE tenant_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [tenantId, keyId],
  );
}
