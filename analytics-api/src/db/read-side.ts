import type { Database } from './database.js';

/**
 * Where reads go. Writes, KPI computation and migrations always use the primary (DATABASE_URL); the
 * /v1 reads and the exports ask this for the Database to read one tenant from. With a read replica
 * (DATABASE_READ_URL, replica-reads.ts) that is the replica once it has replayed the tenant's last
 * write, else the primary; without one (or on PGlite) it is always the primary.
 */
export interface ReadSide {
  /** True when a replica is configured. */
  readonly replicated: boolean;
  /**
   * The database to read `tenantId` from now. Undefined tenant: a read that must see every write
   * made so far (an export of every tenant).
   */
  forTenant(tenantId: string | undefined): Promise<Database>;
  /** Called once a write of `tenantId` (undefined: tenant not known) is committed on the primary. */
  wrote(tenantId: string | undefined): Promise<void>;
  /** For /ready; undefined without a replica. */
  status(): Promise<ReplicaStatus | undefined>;
  close(): Promise<void>;
}

export interface ReplicaStatus {
  up: boolean;
  /** Why it is not used (unreachable, not a standby…), or what it is doing. */
  detail: string;
  replayLsn?: string;
  /** WAL bytes the primary has written that the replica has not replayed yet. */
  lagBytes?: number;
  /** Age of the last replayed transaction while the replica is behind; 0 when it has caught up. */
  lagSeconds?: number;
}

/** No replica: every read is served by the primary. */
export function primaryReads(primary: Database): ReadSide {
  return {
    replicated: false,
    forTenant: async () => primary,
    wrote: async () => undefined,
    status: async () => undefined,
    close: async () => undefined,
  };
}
