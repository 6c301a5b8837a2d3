import type { Session } from './database.js';

/**
 * Shared snapshots: one transaction exports its snapshot (pg_export_snapshot()), others import it
 * (SET TRANSACTION SNAPSHOT) and then see exactly the same data, however long they start after it.
 * SET TRANSACTION SNAPSHOT takes no bind parameter, so the id is placed in the SQL text: it comes from
 * PostgreSQL itself, and it is checked against the only shape PostgreSQL produces
 * (`%08X-%08X-%d`: backend id, local transaction id, a sequence number) before it is used.
 */
const SNAPSHOT_ID = /^[0-9A-F]{8}-[0-9A-F]{8}-[0-9]{1,10}$/;

function assertSnapshotId(id: unknown): string {
  if (typeof id !== 'string' || !SNAPSHOT_ID.test(id)) throw new Error('pg_export_snapshot() returned an id of an unexpected shape');
  return id;
}

/** The statements that start a read-only transaction on `snapshot` (or a plain read-only one). */
export function beginReadStatements(snapshot: string | undefined): string[] {
  if (snapshot === undefined) return ['BEGIN READ ONLY'];
  return ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', `SET TRANSACTION SNAPSHOT '${assertSnapshotId(snapshot)}'`];
}

/**
 * Opens a read-only REPEATABLE READ transaction on `session` and exports its snapshot. The snapshot
 * can be imported as long as this transaction stays open: call `end()` once every reader has started.
 */
export async function exportSnapshot(session: Session): Promise<{ id: string; end(): Promise<void> }> {
  await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const { rows } = await session.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const id = assertSnapshotId(rows[0]?.id);
    return {
      id,
      async end() {
        await session.query('COMMIT');
      },
    };
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
