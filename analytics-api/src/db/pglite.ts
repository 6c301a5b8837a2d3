import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult, Session } from './database.js';
import type { CancelScope } from './cancel-scope.js';
import { fetchInBatches } from './cursor.js';

/**
 * PGlite is one single-user connection. Every operation takes this lock, and a transaction or a
 * cursor holds it until it ends, so statements of concurrent requests never interleave inside
 * another request's transaction.
 */
class Lock {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Takes the lock and returns its release function (for async generators). */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    return release;
  }
}

const parsers = {
  [types.INT8]: (value: string) => Number(value),
  [types.NUMERIC]: (value: string) => Number(value),
  [types.DATE]: (value: string) => value,
};

function directSession(pglite: PGlite, scope: CancelScope | undefined): Session {
  return {
    async execScript(sql: string) {
      await pglite.exec(sql);
    },
    async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      // One connection: a running statement cannot be cancelled, but abandoned work (a request past
      // REQUEST_TIMEOUT_MS) starts no further statement.
      scope?.assertActive();
      const result = await pglite.query<Row>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  };
}

export interface PgliteOptions {
  /** A tarball from dumpDataDir(): starts from that state instead of an empty cluster (tests). */
  loadDataDir?: Blob;
}

export interface PgliteDatabase extends Database {
  /** The whole cluster as a tarball, loadable with `loadDataDir` (tests, snapshots). */
  dumpDataDir(): Promise<Blob>;
}

/** `dataDir` undefined → in memory. */
export async function openPglite(dataDir: string | undefined, options: PgliteOptions = {}): Promise<PgliteDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { parsers, loadDataDir: options.loadDataDir });
  const lock = new Lock();

  async function transaction<T>(direct: Session, work: (tx: Queryable) => Promise<T>): Promise<T> {
    return lock.run(async () => {
      await pglite.query('BEGIN');
      try {
        const result = await work(direct);
        await pglite.query('COMMIT');
        return result;
      } catch (error) {
        await pglite.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** The database with its statements in `scope` (a request's), or in none. */
  function view(scope: CancelScope | undefined): PgliteDatabase {
    const direct = directSession(pglite, scope);
    return {
      kind: 'pglite',
      maxConcurrency: 1,
      query: (text, params) => lock.run(() => direct.query(text, params)),
      transaction: (work) => transaction(direct, work),
      execScript: (sql) => lock.run(async () => void (await pglite.exec(sql))),
      async *cursor<Row>(text: string, params: readonly unknown[], batchSize = 2_000) {
        const release = await lock.acquire();
        try {
          await pglite.query('BEGIN READ ONLY');
          try {
            yield* fetchInBatches<Row>(direct, text, params, batchSize);
          } finally {
            await pglite.query('ROLLBACK').catch(() => undefined);
          }
        } finally {
          release();
        }
      },
      withSession: (work) => lock.run(() => work(direct)),
      dumpDataDir: () => lock.run(async () => (await pglite.dumpDataDir('gzip')) as Blob),
      close: () => lock.run(() => pglite.close()),
      withCancelScope: (next) => view(next),
      get unscoped() {
        return unscoped;
      },
    };
  }
  const unscoped = view(undefined);
  return unscoped;
}
