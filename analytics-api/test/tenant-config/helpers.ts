import type { Database, Queryable } from '../../src/db/database.js';
import { computeDaily, type Dimension, type KpiDay } from '../../src/kpi/kpi-service.js';
import { putConfig } from '../../src/tenant-config/config-service.js';

/** Replaces the tenant's configuration as the API would (changed_by "api"). */
export async function configure(db: Database, tenantId: string, document: Record<string, unknown>): Promise<number> {
  return (await putConfig(db, tenantId, document, { changedBy: 'api' })).config_version;
}

/** Computes and returns one day, with the tenant's current configuration. */
export async function computeDay(db: Database, tenantId: string, date: string): Promise<KpiDay> {
  return (await computeDaily(db, tenantId, { date })) as KpiDay;
}

/** The shared fixtures have no board or work type: set them on stored rows. */
export async function setBoard(db: Queryable, tenantId: string, ticketId: string, board: string): Promise<void> {
  await db.query('UPDATE raw_tickets SET board = $3 WHERE tenant_id = $1 AND external_id = $2', [tenantId, ticketId, board]);
}

export async function setWorkType(db: Queryable, tenantId: string, entryId: string, workType: string): Promise<void> {
  await db.query('UPDATE raw_time_entries SET work_type = $3 WHERE tenant_id = $1 AND external_id = $2', [tenantId, entryId, workType]);
}

/** The stored breakdown groups of a day as key → kpis (rounded, as the API serves them). */
export async function groupsOf(
  db: Database,
  tenantId: string,
  date: string,
  dimension: Dimension,
): Promise<Map<string | null, Record<string, number | null>>> {
  const { readDaily } = await import('../../src/kpi/kpi-service.js');
  const day = (await readDaily(db, tenantId, { date }, dimension)) as KpiDay;
  return new Map((day.groups ?? []).map((g) => [g.key, g.kpis]));
}
