import type { Database } from './database.js';
import { lsnDistance, lsnKey } from './lsn.js';
import type { ReadSide, ReplicaStatus } from './read-side.js';
import { ALL_TENANTS, type WritePositions } from './write-positions.js';

export interface ReplicaReadsOptions {
  primary: Database;
  /** A pool on the streaming standby (DATABASE_READ_URL). */
  replica: Database;
  positions: WritePositions;
  /** How long a read waits for the replica to replay the tenant's last write before it reads the primary. */
  waitMs: number;
  /** Between two looks at the replica's replay position while waiting. */
  pollMs?: number;
  /** After the replica failed to answer: how long reads go to the primary before it is tried again. */
  retryAfterMs?: number;
  onDown?: (error: unknown) => void;
}

interface Probe {
  /** lsnKey of pg_last_wal_replay_lsn(); undefined when the database is not a standby. */
  replayKey: string | undefined;
  at: number;
}

/** A probe younger than this answers reads that wait for nothing newer than it saw. */
const PROBE_FRESH_MS = 1_000;

/**
 * Reads from a PostgreSQL streaming standby, with read-your-writes: a tenant's read waits until the
 * standby has replayed past the primary's WAL position recorded after that tenant's last write
 * (pg_current_wal_insert_lsn() then; pg_last_wal_replay_lsn() on the standby), at most `waitMs`, and is
 * served by the primary otherwise — so whatever is read, and the data_as_of stored with it, is at
 * least as new as the tenant's last write. An unreachable standby sends every read to the primary
 * for `retryAfterMs`, and a statement that loses the standby mid-way is run again on the primary.
 */
export function openReplicaReads(options: ReplicaReadsOptions): ReadSide {
  const { primary, replica, positions, waitMs } = options;
  const pollMs = options.pollMs ?? 20;
  const retryAfterMs = options.retryAfterMs ?? 2_000;
  let downUntil = 0;
  let lastProbe: Probe | undefined;
  let lastError = '';
  let down = false;

  function markDown(error: unknown): void {
    downUntil = Date.now() + retryAfterMs;
    lastProbe = undefined;
    lastError = describe(error);
    // Once per outage, not once per read.
    if (!down) options.onDown?.(error);
    down = true;
  }

  async function probe(): Promise<Probe | undefined> {
    try {
      const { rows } = await replica.query<{ replay: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS replay');
      const replay = rows[0]?.replay;
      lastProbe = { replayKey: replay ? lsnKey(replay) : undefined, at: Date.now() };
      down = false;
      return lastProbe;
    } catch (error) {
      markDown(error);
      return undefined;
    }
  }

  /**
   * Where the primary's WAL ends now. The insert position, not pg_current_wal_lsn() (the write
   * position): with synchronous_commit = off a commit can be inserted and answered before it is
   * written, and the position must be at or past that commit.
   */
  async function primaryPosition(): Promise<string> {
    return lsnKey(await primaryPositionText());
  }

  async function primaryPositionText(): Promise<string> {
    const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    return rows[0]!.lsn;
  }

  /** True once the replica has replayed `wanted` (or is no standby: then it is the primary's data). */
  function replayed(state: Probe, wanted: string | undefined): boolean {
    return state.replayKey === undefined || wanted === undefined || state.replayKey >= wanted;
  }

  const replicaWithFallback = fallingBackTo(replica, primary, markDown);

  return {
    replicated: true,
    async forTenant(tenantId) {
      if (Date.now() < downUntil) return primary;
      const wanted = tenantId === undefined ? await primaryPosition() : await positions.latest(tenantId);
      if (lastProbe && Date.now() - lastProbe.at < PROBE_FRESH_MS && replayed(lastProbe, wanted)) return replicaWithFallback;
      const deadline = Date.now() + waitMs;
      for (;;) {
        const state = await probe();
        if (!state) return primary;
        if (replayed(state, wanted)) return replicaWithFallback;
        if (Date.now() + pollMs > deadline) return primary;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
    async wrote(tenantId) {
      await positions.remember(tenantId ?? ALL_TENANTS, await primaryPosition());
    },
    async status(): Promise<ReplicaStatus> {
      try {
        const { rows } = await replica.query<{ standby: boolean; replay: string | null; behind_seconds: number | null }>(
          `SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replay,
                  EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 AS behind_seconds`,
        );
        const row = rows[0]!;
        if (!row.standby || !row.replay)
          return { up: true, detail: 'DATABASE_READ_URL is not a streaming standby (not in recovery): read as is' };
        const lagBytes = lsnDistance(row.replay, await primaryPositionText());
        // The age of the last replayed transaction only measures lag while WAL is waiting to be replayed.
        const lagSeconds = lagBytes > 0 ? Math.max(0, Math.round((row.behind_seconds ?? 0) * 1000) / 1000) : 0;
        down = false;
        return { up: true, detail: `streaming standby, ${lagBytes} bytes behind the primary`, replayLsn: row.replay, lagBytes, lagSeconds };
      } catch (error) {
        markDown(error);
        return { up: false, detail: lastError };
      }
    },
    close: () => replica.close(),
  };
}

/**
 * `replica`, whose single statements are run again on `primary` when the replica's connection fails
 * (refused, reset, server shutting down). Streams and transactions are not: they fail as they are.
 */
function fallingBackTo(replica: Database, primary: Database, markDown: (error: unknown) => void): Database {
  return Object.assign(Object.create(replica) as Database, {
    async query<Row>(text: string, params?: readonly unknown[]) {
      try {
        return await replica.query<Row>(text, params);
      } catch (error) {
        if (!isConnectionLevelError(error)) throw error;
        markDown(error);
        return primary.query<Row>(text, params);
      }
    },
  });
}

function isConnectionLevelError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? '';
  const message = (error as { message?: string } | null)?.message ?? '';
  return (
    code.startsWith('08') ||
    code.startsWith('57P') ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(code) ||
    /timeout exceeded when trying to connect|Connection terminated/i.test(message)
  );
}

function describe(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code ? `${code}: ${message ?? 'error'}` : (message ?? String(error));
}
