import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Queryable, QueryResult, ReadOptions, Session } from './database.js';
import type { CancelScope } from './cancel-scope.js';
import { copyCsvOut } from './copy-csv.js';
import { fetchInBatches } from './cursor.js';
import { beginReadStatements } from './snapshot.js';

// Fixed once for the whole process: plain JS numbers and date strings instead of strings / local Dates.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export interface PostgresOptions {
  connectionString: string;
  applicationName: string;
  maxConnections?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  onPoolError?: (error: Error) => void;
}

interface CheckedOutClient {
  client: pg.PoolClient;
  isBroken(): boolean;
  /** Marks the connection broken when `error` is a connection-level one. */
  failed(error: unknown): void;
  /** Back to the pool, or destroyed when broken. */
  release(): void;
}

function asResult<Row>(result: pg.QueryResult): QueryResult<Row> {
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
}

function clientSession(client: pg.PoolClient): Session {
  return {
    async query<Row>(text: string, params?: readonly unknown[]) {
      return asResult<Row>(await client.query(text, params as unknown[] | undefined));
    },
    async execScript(sql: string) {
      await client.query(sql);
    },
    async copyIn(text: string, data: Uint8Array) {
      const stream = client.query(copyFrom(text));
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        stream.on('finish', resolve);
        stream.end(data);
      });
      return stream.rowCount;
    },
  };
}

export function openPostgres(options: PostgresOptions): Database {
  const maxConnections = options.maxConnections ?? 10;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    application_name: options.applicationName,
    max: maxConnections,
    statement_timeout: options.statementTimeoutMs ?? 60_000,
    query_timeout: (options.statementTimeoutMs ?? 60_000) + 5_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  // The pool takes its own listener off a client when it hands it out, and the checkout's listener
  // (checkOut below) is attached a microtask later. A database shutting down can send its FATAL in
  // the same socket read as a new connection's ReadyForQuery: parsed in that gap, the 'error' event
  // had no listener and crashed the process (seen in test/reliability/postgres-restart.test.ts).
  // A client keeps this one for life; errors still reach the query, the checkout or the pool.
  pool.on('connect', (client) => client.on('error', () => undefined));

  /** Cancels the statements running on these backends (a request past REQUEST_TIMEOUT_MS: cancel-scope.ts). */
  async function cancelBackends(pids: number[]): Promise<void> {
    await pool.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
  }

  /**
   * A client checked out of the pool until release(). A checked-out client has no pool listener: if
   * the server drops the connection between two statements, an unhandled 'error' event would crash
   * the process. A connection that broke is destroyed on release instead of going back to the pool.
   */
  async function checkOut(): Promise<CheckedOutClient> {
    const client = await pool.connect();
    let broken = false;
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    return {
      client,
      isBroken: () => broken,
      failed(error) {
        broken ||= isConnectionLevelError(error);
      },
      release() {
        client.off('error', onError);
        client.release(broken);
      },
    };
  }

  async function withClient<T>(scope: CancelScope | undefined, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    scope?.assertActive();
    const checkedOut = await checkOut();
    const { client } = checkedOut;
    try {
      return await (scope ? scope.track(backendPid(client), cancelBackends, () => work(client)) : work(client));
    } catch (error) {
      checkedOut.failed(error);
      throw error;
    } finally {
      checkedOut.release();
    }
  }

  async function transaction<T>(scope: CancelScope | undefined, work: (tx: Queryable) => Promise<T>): Promise<T> {
    return withClient(scope, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(clientSession(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** The database with its statements in `scope` (a request's), or in none. */
  function view(scope: CancelScope | undefined): Database {
    return {
      kind: 'postgres',
      maxConcurrency: maxConnections,
      async query<Row>(text: string, params?: readonly unknown[]) {
        // Inside a cancellable scope (an HTTP request) the statement's backend must be known.
        if (scope) return withClient(scope, async (client) => asResult<Row>(await client.query(text, params as unknown[] | undefined)));
        return asResult<Row>(await pool.query(text, params as unknown[] | undefined));
      },
      transaction: (work) => transaction(scope, work),
      async execScript(sql: string) {
        await pool.query(sql);
      },
      async *cursor<Row>(text: string, params: readonly unknown[], batchSize = 2_000, readOptions: ReadOptions = {}) {
        scope?.assertActive();
        const checkedOut = await checkOut();
        const { client } = checkedOut;
        const leave = scope?.enter(backendPid(client), cancelBackends);
        try {
          for (const statement of beginReadStatements(readOptions.snapshot)) await client.query(statement);
          yield* fetchInBatches<Row>(clientSession(client), text, params, batchSize);
          await client.query('COMMIT');
        } catch (error) {
          checkedOut.failed(error);
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          // A generator abandoned half-way (consumer stopped) ends up here too.
          if (!checkedOut.isBroken()) await client.query('ROLLBACK').catch(() => undefined);
          leave?.();
          checkedOut.release();
        }
      },
      async *copyCsv(text: string, params: readonly unknown[], readOptions: ReadOptions = {}) {
        // A connection of its own, outside the pool: a COPY is one statement that lasts as long as
        // the table is big, so the pool's statement and read timeouts (meant for API queries) must
        // not apply, and pg's read-timeout timer would outlive a COPY stream (it is never cleared).
        const client = new pg.Client({
          connectionString: options.connectionString,
          application_name: options.applicationName,
          connectionTimeoutMillis: options.connectTimeoutMs ?? 3_000,
        });
        // Errors surface through the stream and the queries; a dropped socket must not crash the process.
        client.on('error', () => undefined);
        scope?.assertActive();
        await client.connect();
        const leave = scope?.enter(backendPid(client), cancelBackends);
        try {
          yield* copyCsvOut(client, text, params, readOptions.snapshot);
        } finally {
          leave?.();
          // Also when stopped half-way, inside the COPY: the connection is closed, never reused.
          await client.end().catch(() => undefined);
        }
      },
      async withSession<T>(work: (session: Session) => Promise<T>) {
        return withClient(scope, (client) => work(clientSession(client)));
      },
      async close() {
        await pool.end();
      },
      withCancelScope: (next) => view(next),
      get unscoped() {
        return unscoped;
      },
    };
  }
  const unscoped = view(undefined);
  return unscoped;
}

/** The server process of a connection (pg reads it from BackendKeyData at connect). */
function backendPid(client: pg.PoolClient | pg.Client): number | undefined {
  const pid = (client as unknown as { processID?: number | null }).processID;
  return typeof pid === 'number' ? pid : undefined;
}

function isConnectionLevelError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? '';
  return code.startsWith('08') || code === '57P01' || code === 'ECONNRESET' || code === 'ECONNREFUSED';
}
