import { scopeOf } from '../db/scope.js';
import type { Database, Session } from '../db/database.js';

/**
 * One export (or offboarding) of a tenant at a time, across processes. On PostgreSQL a session-level
 * advisory lock keyed by the tenant is held for the whole work on a connection of its own (the
 * same key space as the KPI lock, with an 'export:' prefix); another replica's export of the same
 * tenant waits for it, then reads the data as it is by then, and exports of different tenants run
 * in parallel. The lock is polled (pg_try_advisory_lock) rather than waited for, so that a long export
 * never runs into the pool's statement_timeout, and is released if the process dies (the session ends).
 *
 * Within one process the same order is kept by an ExportQueue before the lock is asked for; on
 * PGlite (one connection, one process per data folder: db/embedded-lock.ts) that queue is all there
 * is, and it is one queue for every tenant, so cursors of two exports never wait on each other.
 */
const POLL_MS = 100;

/**
 * The exports (and offboardings) of one application, in order per key. One per application context
 * (server/create-context.ts; the CLI makes its own): two applications in one process, such as two
 * replicas started by a test, do not share it, as two processes would not.
 */
export class ExportQueue {
  private readonly queues = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }
}

/** The advisory lock key of a tenant ($1 its id), as SQL (tests hold it to hold exports back). */
export const EXPORT_LOCK_KEY_SQL = `hashtextextended('export:' || $1::text, 0)`;

async function acquire(session: Session, tenantId: string): Promise<void> {
  for (;;) {
    const { rows } = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${EXPORT_LOCK_KEY_SQL}) AS locked`, [tenantId]);
    if (rows[0]?.locked) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Runs `work` holding the tenant's export lock. On PostgreSQL `work` gets the session that holds the
 * lock (it may open a transaction on it: export-snapshot.ts); on PGlite it gets none.
 */
export function withTenantExportLock<T>(
  db: Database,
  queue: ExportQueue,
  tenantId: string,
  work: (session: Session | undefined) => Promise<T>,
): Promise<T> {
  if (db.kind === 'pglite') return queue.run(`${scopeOf(db)}:*`, () => work(undefined));
  return queue.run(`${scopeOf(db)}:${tenantId}`, () =>
    db.withSession(async (session) => {
      await acquire(session, tenantId);
      try {
        return await work(session);
      } finally {
        await session.query(`SELECT pg_advisory_unlock(${EXPORT_LOCK_KEY_SQL})`, [tenantId]).catch(() => undefined);
      }
    }),
  );
}
