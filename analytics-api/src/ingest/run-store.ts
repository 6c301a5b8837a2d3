import type { Queryable } from '../db/database.js';
import type { Entity, Source } from './canonical.js';

/** SQL for ingestion_runs: one row per ingest call. */

export interface RunCounts {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Records that are not of the entity ingested (e.g. HaloPSA actions that log no time). */
  skipped: number;
}

export async function startRun(
  db: Queryable,
  run: { id: string; tenantId: string; entity: Entity; source: Source; mode: 'push' | 'mock' | 'sync'; instanceId: string },
): Promise<void> {
  await db.query(`INSERT INTO ingestion_runs (id, tenant_id, entity, source, mode, instance_id) VALUES ($1, $2, $3, $4, $5, $6)`, [
    run.id,
    run.tenantId,
    run.entity,
    run.source,
    run.mode,
    run.instanceId,
  ]);
}

export async function heartbeatRun(db: Queryable, tenantId: string, runId: string, counts: RunCounts): Promise<void> {
  await db.query(
    `UPDATE ingestion_runs SET heartbeat_at = now(), received = $3, inserted = $4, updated = $5, unchanged = $6, rejected = $7,
            skipped = $8
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, runId, counts.received, counts.inserted, counts.updated, counts.unchanged, counts.rejected, counts.skipped],
  );
}

export async function finishRun(
  db: Queryable,
  tenantId: string,
  runId: string,
  outcome: { status: 'succeeded' | 'failed'; counts: RunCounts; error?: string },
): Promise<void> {
  const c = outcome.counts;
  await db.query(
    `UPDATE ingestion_runs
        SET status = $3, finished_at = now(), heartbeat_at = now(),
            received = $4, inserted = $5, updated = $6, unchanged = $7, rejected = $8, error = $9, skipped = $10
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, runId, outcome.status, c.received, c.inserted, c.updated, c.unchanged, c.rejected, outcome.error ?? null, c.skipped],
  );
}

/**
 * Runs still marked "running" that nobody is executing are marked failed: runs of other processes
 * that are gone (killed, crashed) — a process is alive while it holds a connection whose
 * application_name carries its instance id; with the embedded database only one process can exist —
 * and runs of this process that are no longer active (their end could not be written because the
 * database was lost at that moment).
 */
export async function failInterruptedRuns(db: Queryable, currentInstanceId: string, activeRunIds: readonly string[] = []): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE ingestion_runs r
        SET status = 'failed', finished_at = now(),
            error = 'interrupted: the ingest stopped before it finished (process stopped or database lost); committed batches are kept, re-send to complete'
      WHERE r.status = 'running'
        AND CASE WHEN r.instance_id = $1
                 THEN NOT (r.id = ANY ($2::uuid[]))
                 ELSE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = 'analytics-api:' || r.instance_id)
            END`,
    [currentInstanceId, activeRunIds],
  );
  return rowCount;
}
