import type { Queryable } from '../db/database.js';
import { listTenants, type Tenant } from '../tenants/tenant-service.js';
import { findConnection, syncOverviews } from './connection-store.js';

export interface TenantWithSync extends Tenant {
  /** The connected PSA, or null for a tenant that pushes (or uses mock files). */
  psa: string | null;
  last_sync_at: string | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
}

/** Tenants as GET /internal/tenants lists them: with their connection's sync state, so n8n can branch on `psa`. */
export async function listTenantsWithSync(db: Queryable): Promise<TenantWithSync[]> {
  const [tenants, overviews] = await Promise.all([listTenants(db), syncOverviews(db)]);
  const byTenant = new Map(overviews.map((o) => [o.tenant_id, o]));
  return tenants.map((tenant) => {
    const o = byTenant.get(tenant.id);
    return {
      ...tenant,
      psa: o?.psa ?? null,
      last_sync_at: o?.last_sync_at?.toISOString() ?? null,
      last_sync_status: o?.last_sync_status ?? null,
      last_sync_error: o?.last_sync_error ?? null,
    };
  });
}

export interface SyncStatus {
  psa: string | null;
  last_sync_at: string | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
}

/** One tenant's sync state, for its own dashboard (no secret is part of it). */
export async function tenantSyncStatus(db: Queryable, tenantId: string): Promise<SyncStatus> {
  const row = await findConnection(db, tenantId);
  return {
    psa: row?.psa ?? null,
    last_sync_at: row?.last_sync_at?.toISOString() ?? null,
    last_sync_status: row?.last_sync_status ?? null,
    last_sync_error: row?.last_sync_error ?? null,
  };
}
