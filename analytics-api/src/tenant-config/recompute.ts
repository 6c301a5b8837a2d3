import type { Database } from '../db/database.js';
import { LOCK_TENANT } from '../kpi/compute.sql.js';
import { daysBetween } from '../kpi/dates.js';
import { computeRange } from '../kpi/kpi-service.js';
import type { KpiReadCache } from '../kpi/read-cache.js';
import { spans } from './config-service.js';
import * as store from './config-store.js';
import * as jobs from './recompute-store.js';

/**
 * The recompute after a configuration change: every stored KPI day of the tenant computed with an
 * older configuration version is computed again, a chunk of consecutive days at a time. Each chunk
 * is one transaction (kpi-service.ts computeRange: the day rows and their breakdowns replaced
 * together), so a crash leaves every day either old-and-stale or new. The job row
 * (config_recompute_jobs) survives a restart; its lease makes one worker at a time work on a
 * tenant, across processes; a lease left by a crashed process expires and is taken over.
 */

/**
 * Days per chunk: a year in one range computation, which costs about what a 366-day compute-daily
 * call costs (docs/benchmarks.md). A crash loses at most one chunk's work.
 */
const RECOMPUTE_CHUNK_DAYS = 366;
const LEASE_SECONDS = 300;

export interface RecomputeOptions {
  /** Who holds the lease (the process's instance id). */
  owner: string;
  chunkDays?: number;
  /** Stop after this many chunks, leaving the lease held as a crashed worker would (tests). */
  stopAfterChunks?: number;
  /** The app's cache of /v1 answers, told after each chunk that the tenant's KPIs changed. */
  readCache?: KpiReadCache;
}

export interface RecomputeResult {
  tenant_id: string;
  /** Chunks computed and committed. */
  chunks: number;
  days: number;
  /** The job is finished: no stale day is left. */
  done: boolean;
}

/** Recomputes the tenant's stale days if no other worker holds its job's lease. */
export async function recomputeTenant(db: Database, tenantId: string, options: RecomputeOptions): Promise<RecomputeResult> {
  const result: RecomputeResult = { tenant_id: tenantId, chunks: 0, days: 0, done: false };
  if (!(await jobs.takeLease(db, tenantId, options.owner, LEASE_SECONDS))) return result;
  try {
    for (;;) {
      const version = (await store.currentConfig(db, tenantId))?.version ?? 0;
      const stale = await store.staleDays(db, tenantId, version);
      if (stale.length === 0) {
        // Under the KPI lock: a computation that read an older configuration has either stored its
        // days already (seen here, stale) or will read the current version (kpi-store.ts).
        const finished = await db.transaction(async (tx) => {
          await tx.query(LOCK_TENANT, [tenantId]);
          return jobs.finishIfDone(tx, tenantId);
        });
        if (finished) {
          result.done = true;
          return result;
        }
        continue;
      }
      for (const [from, to] of spans(stale, options.chunkDays ?? RECOMPUTE_CHUNK_DAYS)) {
        if (options.stopAfterChunks !== undefined && result.chunks >= options.stopAfterChunks) return result;
        await computeRange(db, tenantId, from, to, undefined, false);
        await options.readCache?.bump(tenantId);
        result.chunks += 1;
        result.days += daysBetween(from, to) + 1;
        await jobs.takeLease(db, tenantId, options.owner, LEASE_SECONDS);
      }
    }
  } catch (error) {
    await jobs.releaseLease(db, tenantId, options.owner, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    throw error;
  } finally {
    if (result.done || options.stopAfterChunks === undefined) await jobs.releaseLease(db, tenantId, options.owner).catch(() => undefined);
  }
}

/** Runs every pending job whose lease is free, one tenant after the other. */
export async function runPendingRecomputes(db: Database, options: RecomputeOptions): Promise<RecomputeResult[]> {
  const results: RecomputeResult[] = [];
  for (const tenantId of await jobs.pendingJobs(db)) results.push(await recomputeTenant(db, tenantId, options));
  return results;
}

export interface WorkerLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * Polls for pending recomputes (a restart finds the jobs a stopped process left) and runs them in
 * the background; kick() runs a poll now (after a configuration change).
 */
export class RecomputeWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly owner: string,
    private readonly log: WorkerLogger,
    private readonly readCache?: KpiReadCache,
    private readonly pollMs = 10_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.poll().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async poll(): Promise<void> {
    try {
      for (const result of await runPendingRecomputes(this.db, { owner: this.owner, readCache: this.readCache })) {
        if (result.chunks > 0) this.log.info({ ...result }, 'KPI days recomputed after a configuration change');
      }
    } catch (error) {
      this.log.warn(
        { err: { message: error instanceof Error ? error.message : String(error) } },
        'KPI recompute failed; retried at the next poll',
      );
    }
  }

  /** Stops polling and waits for the running chunk (its transaction) to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
