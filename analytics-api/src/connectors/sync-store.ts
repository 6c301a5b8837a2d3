import type { Queryable } from '../db/database.js';
import type { Entity } from '../ingest/canonical.js';

/** SQL for psa_sync_cursors, psa_full_pass_seen and the deleted_at marks. */

/**
 * Whether a stored row `t` was in a full pass's answer (migration 012): the pass wrote it, it changed
 * after the pass began, or the pass remembered its id. `$1` tenant, `$2` entity, `pass` the cursor row.
 */
const PRESENT_IN_PASS = `(COALESCE(t.last_run_id = ANY (pass.pass_run_ids), false)
      OR COALESCE(t.changed_at >= pass.pass_began_at, false)
      OR EXISTS (SELECT 1 FROM psa_full_pass_seen s WHERE s.tenant_id = t.tenant_id AND s.entity = $2 AND s.external_id = t.external_id))`;
const PASS = `(SELECT pass_run_ids, pass_began_at FROM psa_sync_cursors WHERE tenant_id = $1 AND entity = $2) AS pass`;

export interface CursorRow {
  cursor_at: Date | null;
  deletes_cursor_at: Date | null;
  pass_since: Date | null;
  pass_full: boolean;
  pass_started_at: Date | null;
  pass_position: unknown;
  pass_max_updated: Date | null;
  /** True while a pass has begun and not ended (a restart resumes it). */
  in_pass: boolean;
}

const TABLE: Record<Entity, string> = { tickets: 'raw_tickets', time_entries: 'raw_time_entries' };

export async function readCursor(db: Queryable, tenantId: string, entity: Entity): Promise<CursorRow | undefined> {
  const { rows } = await db.query<CursorRow>(
    `SELECT cursor_at, deletes_cursor_at, pass_since, pass_full, pass_started_at, pass_position, pass_max_updated,
            (pass_position IS NOT NULL OR pass_started_at IS NOT NULL OR pass_full) AS in_pass
       FROM psa_sync_cursors WHERE tenant_id = $1 AND entity = $2`,
    [tenantId, entity],
  );
  return rows[0];
}

/** Begins a pass: its `since` is fixed for the whole pass, including after a restart. */
export async function beginPass(db: Queryable, tenantId: string, entity: Entity, since: string | null, full: boolean): Promise<void> {
  await db.query(
    `INSERT INTO psa_sync_cursors (tenant_id, entity, pass_since, pass_full, pass_began_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (tenant_id, entity) DO UPDATE SET pass_since = EXCLUDED.pass_since, pass_full = EXCLUDED.pass_full,
       pass_started_at = NULL, pass_position = NULL, pass_max_updated = NULL, pass_run_ids = '{}', pass_began_at = now(),
       updated_at = now()`,
    [tenantId, entity, since, full],
  );
  if (full) await db.query('DELETE FROM psa_full_pass_seen WHERE tenant_id = $1 AND entity = $2', [tenantId, entity]);
}

/** Counts an ingestion run in the pass (its first run, or one that resumes it), before it writes anything. */
export async function joinPass(db: Queryable, tenantId: string, entity: Entity, runId: string): Promise<void> {
  await db.query(
    `UPDATE psa_sync_cursors SET pass_run_ids = array_append(pass_run_ids, $3::uuid), updated_at = now()
      WHERE tenant_id = $1 AND entity = $2`,
    [tenantId, entity, runId],
  );
}

/**
 * Records a page's progress; runs in the page's transaction. Keyset paging moves cursor_at to the
 * page's last update instant right here; pass paging notes the PSA clock of the pass's first answer.
 */
export async function advancePass(
  tx: Queryable,
  tenantId: string,
  entity: Entity,
  page: { position: unknown; maxUpdated: string | null; serverDate: string | null; keyset: boolean },
): Promise<void> {
  await tx.query(
    `UPDATE psa_sync_cursors
        SET pass_position = $3::jsonb,
            pass_max_updated = GREATEST(pass_max_updated, $4::timestamptz),
            pass_started_at = COALESCE(pass_started_at, $5::timestamptz),
            cursor_at = CASE WHEN $6 AND NOT pass_full THEN GREATEST(cursor_at, $4::timestamptz) ELSE cursor_at END,
            updated_at = now()
      WHERE tenant_id = $1 AND entity = $2`,
    [tenantId, entity, JSON.stringify(page.position), page.maxUpdated, page.serverDate, page.keyset],
  );
}

/** Ends the pass: the cursor moves to `cursorAt` (never back) and the pass state is cleared. */
export async function endPass(tx: Queryable, tenantId: string, entity: Entity, cursorAt: string | null): Promise<void> {
  await tx.query(
    `UPDATE psa_sync_cursors
        SET cursor_at = CASE WHEN pass_full THEN COALESCE($3::timestamptz, cursor_at) ELSE GREATEST(cursor_at, $3::timestamptz) END,
            pass_since = NULL, pass_full = false, pass_started_at = NULL, pass_position = NULL, pass_max_updated = NULL,
            pass_run_ids = '{}', pass_began_at = NULL, updated_at = now()
      WHERE tenant_id = $1 AND entity = $2`,
    [tenantId, entity, cursorAt],
  );
}

/** Ids a full pass read but did not write itself (writePageRows): the rows it wrote are known by their run. */
export async function rememberSeen(tx: Queryable, tenantId: string, entity: Entity, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(
    `INSERT INTO psa_full_pass_seen (tenant_id, entity, external_id) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`,
    [tenantId, entity, ids],
  );
}

/**
 * After a full pass, before endPass clears it: stored rows the PSA no longer returned are marked deleted — unless that would
 * be more than `guardShare` of the stored rows (django-connectwise's mass-delete guard: an empty
 * or truncated answer must not wipe a tenant). Returns what was marked, or the refused count.
 */
export async function reconcileFullPass(
  tx: Queryable,
  tenantId: string,
  entity: Entity,
  guardShare: number,
): Promise<{ deleted: number; refused: number; stored: number }> {
  const table = TABLE[entity];
  const { rows } = await tx.query<{ stored: number; missing: number }>(
    `SELECT count(*)::int AS stored, count(*) FILTER (WHERE NOT ${PRESENT_IN_PASS})::int AS missing
       FROM ${table} t, ${PASS} WHERE t.tenant_id = $1 AND t.deleted_at IS NULL`,
    [tenantId, entity],
  );
  const { stored, missing } = rows[0] ?? { stored: 0, missing: 0 };
  let deleted = 0;
  let refused = 0;
  if (missing > 0 && stored >= 10 && missing / stored > guardShare) {
    refused = missing;
  } else if (missing > 0) {
    const result = await tx.query(
      `UPDATE ${table} t SET deleted_at = now() FROM ${PASS}
        WHERE t.tenant_id = $1 AND t.deleted_at IS NULL AND NOT ${PRESENT_IN_PASS}`,
      [tenantId, entity],
    );
    deleted = result.rowCount;
  }
  // A record marked deleted earlier that the PSA returns again unchanged (its hash equal, so the
  // upsert skipped it) is back.
  await tx.query(
    `UPDATE ${table} t SET deleted_at = NULL
      WHERE t.tenant_id = $1 AND t.deleted_at IS NOT NULL
        AND EXISTS (SELECT 1 FROM psa_full_pass_seen s WHERE s.tenant_id = t.tenant_id AND s.entity = $2 AND s.external_id = t.external_id)`,
    [tenantId, entity],
  );
  await tx.query('DELETE FROM psa_full_pass_seen WHERE tenant_id = $1 AND entity = $2', [tenantId, entity]);
  return { deleted, refused, stored };
}

/**
 * Marks records of a deleted-records feed. A record updated in the PSA after its deletion instant
 * re-appeared (it was restored): it stays.
 */
export async function markDeleted(
  tx: Queryable,
  tenantId: string,
  entity: Entity,
  items: readonly { id: string; at: string | null }[],
): Promise<number> {
  if (items.length === 0) return 0;
  const table = TABLE[entity];
  const { rowCount } = await tx.query(
    `UPDATE ${table} t SET deleted_at = COALESCE(d.at, now())
       FROM jsonb_to_recordset($2::jsonb) AS d(id text, at timestamptz)
      WHERE t.tenant_id = $1 AND t.external_id = d.id AND t.deleted_at IS NULL
        AND (d.at IS NULL OR t.source_updated_at IS NULL OR t.source_updated_at <= d.at)`,
    [tenantId, JSON.stringify(items)],
  );
  return rowCount;
}

export async function setDeletesCursor(tx: Queryable, tenantId: string, entity: Entity, at: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO psa_sync_cursors (tenant_id, entity, deletes_cursor_at) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, entity) DO UPDATE SET deletes_cursor_at = GREATEST(psa_sync_cursors.deletes_cursor_at, EXCLUDED.deletes_cursor_at)`,
    [tenantId, entity, at],
  );
}
