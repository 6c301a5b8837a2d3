import type { CancelScope } from './cancel-scope.js';

/**
 * The one narrow interface every data-access module talks to. Two implementations exist:
 * `pg` (a pool, for real PostgreSQL) and PGlite (embedded PostgreSQL in-process). Both speak the same
 * SQL with `$1` parameters, and both return the same JS types:
 * - int8 / numeric → number, date → 'YYYY-MM-DD' string, timestamptz → Date, jsonb → parsed value.
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /**
   * PostgreSQL only (undefined on PGlite): `COPY … FROM STDIN` of `data`, rows in COPY's text format,
   * on this connection (inside its transaction). Resolves the number of rows copied; a row that
   * breaks a constraint fails the whole statement, as an INSERT would.
   */
  readonly copyIn?: (text: string, data: Uint8Array) => Promise<number>;
}

/** One connection held for a while: session state (advisory locks) stays on it. */
export interface Session extends Queryable {
  execScript(sql: string): Promise<void>;
}

/**
 * The rows of a query as PostgreSQL's own CSV (`COPY (…) TO STDOUT (FORMAT csv)`, no header, LF
 * record ends), streamed as raw bytes in a read-only transaction. `$n` in the text are parameters,
 * as in query(); none may be null.
 */
export type CsvCopySource = (text: string, params: readonly unknown[], options?: ReadOptions) => AsyncIterable<Uint8Array>;

/** How a streamed read (cursor, COPY) starts its read-only transaction. */
export interface ReadOptions {
  /**
   * A snapshot id from pg_export_snapshot() (db/snapshot.ts): the read sees exactly what that
   * snapshot saw (REPEATABLE READ + SET TRANSACTION SNAPSHOT). PostgreSQL only; PGlite ignores it.
   */
  snapshot?: string;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * How many statements can run at the same time, each on its own connection: the pool size on
   * PostgreSQL, 1 on PGlite (one connection). Work that can be split in parts computed at once
   * (kpi-service.ts computeSplit) asks this, not which back end it is.
   */
  readonly maxConcurrency: number;
  /** Runs `work` in one transaction (BEGIN … COMMIT, ROLLBACK on throw). Use only `tx` inside. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script without parameters (migrations). */
  execScript(sql: string): Promise<void>;
  /**
   * Streams the rows of a query in batches through a server-side cursor inside a read-only
   * transaction, so memory stays bounded whatever the row count.
   */
  cursor<Row = Record<string, unknown>>(
    text: string,
    params: readonly unknown[],
    batchSize?: number,
    options?: ReadOptions,
  ): AsyncIterable<Row[]>;
  /** PostgreSQL only (undefined on PGlite): bulk export of a query's rows as CSV bytes. */
  readonly copyCsv?: CsvCopySource;
  /** Holds a dedicated session (one connection) for work that needs session state such as advisory locks. */
  withSession<T>(work: (session: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * The same database (same pool, same connection) whose statements belong to `scope`: registered while
   * they run, cancelled with it, refused once it is cancelled. What an HTTP request gives the services
   * it calls (request.db), so that its work stops past REQUEST_TIMEOUT_MS.
   */
  withCancelScope(scope: CancelScope): Database;
  /** The database this is a view of (itself when it is not one): what caches keyed by database use. */
  readonly unscoped: Database;
}
