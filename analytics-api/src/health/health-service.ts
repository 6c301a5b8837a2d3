import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { migrationStatus } from '../db/migrate.js';
import type { ReadSide } from '../db/read-side.js';
import type { RedisConnection } from '../redis/redis-connection.js';

export type CheckStatus = 'ok' | 'error' | 'disabled';

export interface Check {
  status: CheckStatus;
  detail: string;
}

/** The read replica's check: its replay position and lag beside the usual status and detail. */
export interface ReplicaCheck extends Check {
  replay_lsn?: string;
  lag_bytes?: number;
  lag_seconds?: number;
}

export interface HealthReport {
  status: 'ok';
  ready: boolean;
  version: string;
  database_backend: 'postgres' | 'pglite';
  mock_mode: boolean;
  uptime_seconds: number;
  checks: Record<'database' | 'migrations' | 'mock_data' | 'exports' | 'redis', Check> & { read_replica: ReplicaCheck };
}

const startedAt = Date.now();

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function reason(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code ? `${code}: ${message ?? 'error'}` : (message ?? String(error));
}

/** Checks each dependency; none of them throws, and no detail carries a secret. */
export class HealthService {
  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly redis: RedisConnection | undefined,
    private readonly version: string,
    private readonly reads?: ReadSide,
  ) {}

  private async database(): Promise<Check> {
    try {
      await withTimeout(this.db.query('SELECT 1'), 2_000, 'database');
      return { status: 'ok', detail: this.db.kind === 'pglite' ? 'embedded PostgreSQL (PGlite)' : 'PostgreSQL reachable' };
    } catch (error) {
      return { status: 'error', detail: `unreachable: ${reason(error)}` };
    }
  }

  private async migrations(databaseOk: boolean): Promise<Check> {
    if (!databaseOk) return { status: 'error', detail: 'unknown: database unreachable' };
    try {
      const state = await withTimeout(migrationStatus(this.db), 2_000, 'migration status');
      return { status: state.state === 'ok' ? 'ok' : 'error', detail: state.detail };
    } catch (error) {
      return { status: 'error', detail: reason(error) };
    }
  }

  private async mockData(): Promise<Check> {
    if (!this.config.mockMode) return { status: 'disabled', detail: 'MOCK_MODE is false' };
    try {
      await access(join(this.config.mockDataPath, 'tenants.json'), constants.R_OK);
      return { status: 'ok', detail: `readable at ${this.config.mockDataPath}` };
    } catch (error) {
      return { status: 'error', detail: `tenants.json not readable in ${this.config.mockDataPath} (${reason(error)})` };
    }
  }

  private async exports(): Promise<Check> {
    const path = this.config.exportsPath;
    try {
      // Bounded: a recursive mkdir under some special paths (e.g. /proc) never settles.
      await withTimeout(mkdir(path, { recursive: true }), 2_000, 'creating the exports folder');
      if (!(await stat(path)).isDirectory()) return { status: 'error', detail: `${path} is not a folder` };
      await access(path, constants.W_OK);
      return { status: 'ok', detail: `writable at ${path}` };
    } catch (error) {
      return { status: 'error', detail: `${path} is not writable (${(error as NodeJS.ErrnoException).code ?? reason(error)})` };
    }
  }

  private async redisCheck(): Promise<Check> {
    if (!this.redis) return { status: 'disabled', detail: 'REDIS_URL not set; in-process rate limits and cache' };
    const result = await this.redis.ping();
    return { status: result.ok ? 'ok' : 'error', detail: result.detail };
  }

  private async readReplica(): Promise<ReplicaCheck> {
    const status = await this.reads?.status();
    if (!status) return { status: 'disabled', detail: 'DATABASE_READ_URL not set; reads use the primary' };
    if (!status.up) return { status: 'error', detail: `degraded: unreachable (${status.detail}); reads fall back to the primary` };
    return {
      status: 'ok',
      detail: status.detail,
      replay_lsn: status.replayLsn,
      lag_bytes: status.lagBytes,
      lag_seconds: status.lagSeconds,
    };
  }

  async report(): Promise<HealthReport> {
    const database = await this.database();
    const [migrations, mock_data, exportsCheck, redis, read_replica] = await Promise.all([
      this.migrations(database.status === 'ok'),
      this.mockData(),
      this.exports(),
      this.redisCheck(),
      withTimeout(this.readReplica(), 2_000, 'read replica').catch((error: unknown) => ({
        status: 'error' as const,
        detail: `degraded: ${reason(error)}; reads fall back to the primary`,
      })),
    ]);
    const checks = { database, migrations, mock_data, exports: exportsCheck, redis, read_replica };
    // Redis and the read replica have fallbacks (in-process; the primary), so they are reported but
    // do not make the service unready.
    const ready = [database, migrations, mock_data, exportsCheck].every((check) => check.status !== 'error');
    return {
      status: 'ok',
      ready,
      version: this.version,
      database_backend: this.db.kind,
      mock_mode: this.config.mockMode,
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
      checks,
    };
  }
}
