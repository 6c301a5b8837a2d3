import type { Config } from '../config/config.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import type { Database } from './database.js';
import { openPostgres } from './postgres.js';
import { primaryReads, type ReadSide } from './read-side.js';
import { openReplicaReads } from './replica-reads.js';
import { createWritePositions } from './write-positions.js';

export interface OpenReadSideOptions {
  onPoolError?: (error: Error) => void;
  onReplicaDown?: (error: unknown) => void;
}

/** DATABASE_READ_URL set → reads from that standby (replica-reads.ts); unset → from the primary. */
export function openReadSide(
  config: Config,
  primary: Database,
  redis: RedisConnection | undefined,
  options: OpenReadSideOptions = {},
): ReadSide {
  if (!config.databaseReadUrl || primary.kind !== 'postgres') return primaryReads(primary);
  const replica = openPostgres({
    connectionString: config.databaseReadUrl,
    applicationName: `analytics-api-read:${config.instanceId}`,
    statementTimeoutMs: config.statementTimeoutMs,
    // A standby that does not answer must not hold a read longer than this before it goes to the primary.
    connectTimeoutMs: 1_000,
    onPoolError: options.onPoolError,
  });
  return openReplicaReads({
    primary,
    replica,
    positions: createWritePositions(redis),
    waitMs: config.readReplicaWaitMs,
    onDown: options.onReplicaDown,
  });
}
