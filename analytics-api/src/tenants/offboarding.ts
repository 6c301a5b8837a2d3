import { rm } from 'node:fs/promises';
import type { CredentialCache } from '../auth/credential-cache.js';
import type { Database } from '../db/database.js';
import { notFound, unavailable } from '../errors.js';
import { ExportQueue, withTenantExportLock } from '../exports/export-lock.js';
import { tenantLayout } from '../exports/generations.js';
import { assertUuid } from './tenant-service.js';
import * as store from './tenant-data-store.js';

export interface TenantDeletion {
  tenant_id: string;
  /** false: a dry run (counts of what a delete would remove). */
  deleted: boolean;
  /** Rows per table (every table with a tenant_id column, and `tenants` itself). */
  removed: Record<string, number>;
  total_rows: number;
  /** The tenant's exports folder, removed after the rows (null on a dry run or when there was none). */
  exports_removed: string | null;
}

/**
 * Offboarding: removes every row of the tenant from every table that has a tenant_id column
 * (tenant-data-store.ts reads them from the catalog), then the tenant itself, in one transaction,
 * then its exports folder. While it runs the tenant's export lock is held, so no export writes into
 * the folder being removed. `dryRun` only counts.
 */
export async function deleteTenant(
  db: Database,
  exportsPath: string,
  id: string,
  options: {
    dryRun?: boolean;
    /** The application's (AppContext.exportQueue); a one-off caller may leave it out. */ exportQueue?: ExportQueue;
    /** The application's (AppContext.credentials), whose entries of the tenant stop at once. */
    credentials?: CredentialCache;
  } = {},
): Promise<TenantDeletion> {
  const tenantId = assertUuid(id, 'tenant_id');
  const missing = () => notFound(`tenant ${tenantId} does not exist`);
  if (options.dryRun) {
    const tables = await store.tenantTables(db);
    const exists = (await db.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId])).rows.length > 0;
    if (!exists) throw missing();
    const removed: Record<string, number> = {};
    for (const table of tables) removed[table.name] = await store.countTenantRows(db, table, tenantId);
    removed['tenants'] = 1;
    return { tenant_id: tenantId, deleted: false, removed, total_rows: sum(removed), exports_removed: null };
  }
  return withTenantExportLock(db, options.exportQueue ?? new ExportQueue(), tenantId, async () => {
    const removed = await db.transaction(async (tx) => {
      if (!(await store.lockTenant(tx, tenantId))) throw missing();
      const counts: Record<string, number> = {};
      for (const table of await store.tenantTables(tx)) counts[table.name] = await store.deleteTenantRows(tx, table, tenantId);
      counts['tenants'] = await store.deleteTenantRow(tx, tenantId);
      return counts;
    });
    options.credentials?.invalidateTenant(tenantId);
    const folder = tenantLayout(exportsPath, tenantId).tenantDir;
    let exportsRemoved: string | null = null;
    try {
      await rm(folder, { recursive: true, force: false });
      exportsRemoved = folder;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        throw unavailable(
          `the tenant's rows were deleted, but its exports folder ${folder} could not be removed (${code ?? 'error'}): remove it by hand`,
          error,
        );
      }
    }
    return { tenant_id: tenantId, deleted: true, removed, total_rows: sum(removed), exports_removed: exportsRemoved };
  });
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((total, n) => total + n, 0);
}
