import type { Queryable } from '../db/database.js';
import { listTenants, type Tenant } from '../tenants/tenant-service.js';
import { syncOverviews } from './connection-store.js';

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
