import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { DomainError, invalid } from '../errors.js';
import { readAhead } from '../exports/read-ahead.js';
import { ENTITIES, type Entity, type PsaLabels } from '../ingest/canonical.js';
import type { ActiveRuns } from '../ingest/active-runs.js';
import {
  classifyPage,
  mapContextFor,
  newProgress,
  writePage,
  type IngestSummary,
  type PageRun,
  type RunProgress,
} from '../ingest/ingest-service.js';
import { storeRejections } from '../ingest/ingest-store.js';
import { failInterruptedRuns, finishRun, startRun } from '../ingest/run-store.js';
import type { PsaClient } from './clients/psa-client.js';
import { defaultClientMaker, loadConnection, psaProblem, type ClientMaker } from './connection-service.js';
import * as connections from './connection-store.js';
import { PsaCallError, PsaRefusedError } from './psa-http.js';
import * as cursors from './sync-store.js';

/** How long a sync holds its tenant without a page committing. */
export const LEASE_SECONDS = 300;
/** The lease is renewed after a page commits once this long has passed since the last renewal. */
const LEASE_RENEW_MS = 30_000;
/** A full pass that would delete more than this share of the stored rows deletes nothing. */
const MASS_DELETE_GUARD = 0.9;
/** How many times a pass disturbed by deletions is read again before the sync accepts it. */
const MAX_PASS_READINGS = 3;

export interface EntitySyncSummary extends IngestSummary {
  full: boolean;
  resumed: boolean;
  pages: number;
  requests: number;
  retries: number;
  cursor_before: string | null;
  cursor_after: string | null;
  deleted: number;
  /** Set when the mass-delete guard refused a full sync's deletions. */
  deletions_refused: number;
}

export interface SyncSummary {
  sync_run_id: string;
  tenant_id: string;
  psa: string;
  entities: EntitySyncSummary[];
}

export interface SyncHooks {
  /** Inside a page's transaction, after its records and cursor are written (tests: a crash before commit). */
  beforeCommit?(entity: Entity, page: number): void | Promise<void>;
  /** After a page committed (tests: a kill between pages). */
  afterPage?(entity: Entity, page: number): void | Promise<void>;
}

export interface SyncOptions {
  entity?: string;
  full?: boolean;
  makeClient?: ClientMaker;
  hooks?: SyncHooks;
  onProgress?(progress: { entity: Entity; pages: number; received: number }): void;
}

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

function parseEntity(value: string | undefined): Entity[] {
  if (value === undefined) return [...ENTITIES];
  if (!(ENTITIES as readonly string[]).includes(value)) {
    throw invalid(`entity must be one of ${ENTITIES.join(', ')}`, [{ field: 'entity', detail: 'unknown' }]);
  }
  return [value as Entity];
}

/**
 * Pulls every record changed since the tenant's cursor from its PSA, entity by entity, through the
 * push path (mappers, validation, rejections, ingestion runs). Each page's records and the cursor
 * commit in one transaction, so a sync stopped anywhere resumes at the last committed page.
 */
export async function syncTenant(
  db: Database,
  config: Config,
  activeRuns: ActiveRuns,
  tenantId: string,
  options: SyncOptions = {},
): Promise<SyncSummary> {
  const entities = parseEntity(options.entity);
  const { connection, row } = await loadConnection(db, config, tenantId);
  const client = (options.makeClient ?? defaultClientMaker({ pageSize: config.syncPageSize }))(connection);
  const syncRunId = randomUUID();
  const lease = await connections.acquireLease(db, connection.tenantId, syncRunId, LEASE_SECONDS);
  if (!lease.acquired) {
    throw new DomainError(
      'conflict',
      `a sync of tenant ${connection.tenantId} is already running (run ${lease.holder ?? 'unknown'}); try again when it ends`,
      [{ field: 'running_run_id', detail: lease.holder ?? 'unknown' }],
    );
  }
  const summaries: EntitySyncSummary[] = [];
  try {
    for (const entity of entities) {
      const job = { tenantId: connection.tenantId, entity, syncRunId, full: options.full === true };
      const summary = await syncEntity(db, config, activeRuns, client, row.picklists[entity], job, options);
      summaries.push(summary);
      // A resumed pass without update order cannot see changes made since it began to records it
      // had already read: a short incremental pass from its start catches them (own entry).
      if (summary.resumed && client.paging === 'pass' && !summary.errors.some((e) => e.index === -1)) {
        summaries.push(await syncEntity(db, config, activeRuns, client, row.picklists[entity], { ...job, full: false }, options));
      }
    }
    const failed = summaries.filter((s) => s.errors.some((e) => e.index === -1));
    await connections.releaseLease(db, connection.tenantId, syncRunId, {
      status: failed.length ? 'failed' : 'succeeded',
      error: failed.length ? failed.map((s) => `${s.entity}: ${s.errors.find((e) => e.index === -1)!.detail}`).join('; ') : null,
    });
  } catch (error) {
    const refused = error instanceof PsaRefusedError;
    const problem = psaProblem(error);
    await connections
      .releaseLease(db, connection.tenantId, syncRunId, { status: refused ? 'credentials_refused' : 'failed', error: problem.detail })
      .catch(() => undefined);
    throw error instanceof PsaRefusedError || error instanceof PsaCallError ? problem : error;
  }
  return { sync_run_id: syncRunId, tenant_id: connection.tenantId, psa: connection.psa, entities: summaries };
}

interface EntityJob {
  tenantId: string;
  entity: Entity;
  syncRunId: string;
  full: boolean;
}

async function syncEntity(
  db: Database,
  config: Config,
  activeRuns: ActiveRuns,
  client: PsaClient,
  cachedLabels: PsaLabels | undefined,
  job: EntityJob,
  options: SyncOptions,
): Promise<EntitySyncSummary> {
  const { tenantId, entity } = job;
  const state = await cursors.readCursor(db, tenantId, entity);
  const cursorBefore = iso(state?.cursor_at);
  const resumed = state?.in_pass === true && (state.pass_full || !job.full);
  let since: string | null;
  let after: unknown = null;
  let full: boolean;
  if (resumed) {
    since = iso(state!.pass_since);
    after = state!.pass_position ?? null;
    full = state!.pass_full;
  } else {
    full = job.full;
    since = full || !state?.cursor_at ? null : new Date(state.cursor_at.getTime() - config.syncOverlapSeconds * 1000).toISOString();
    await cursors.beginPass(db, tenantId, entity, since, full);
  }

  const runId = randomUUID();
  const run: PageRun = { entity, tenantId, source: client.psa, runId, context: {}, writes: { allNewSoFar: true } };
  const progress = newProgress();
  const requestsBefore = client.stats.requests;
  const retriesBefore = client.stats.retries;
  let pages = 0;
  let leaseRenewedAt = Date.now();
  let deleted = 0;
  let refusedDeletes = 0;

  return activeRuns.around(runId, async () => {
    await failInterruptedRuns(db, config.instanceId, activeRuns.list()).catch(() => undefined);
    await startRun(db, { id: runId, tenantId, entity, source: client.psa, mode: 'sync', instanceId: config.instanceId });
    // Only a full pass's reconciliation asks which runs wrote a row.
    if (full) await cursors.joinPass(db, tenantId, entity, runId);
    try {
      const labels = await picklists(db, client, tenantId, entity, cachedLabels);
      let contextLabels: PsaLabels | undefined;
      try {
        // Offset paging can skip records when others are deleted while it pages: such a pass is read
        // again (idempotent upserts make the re-read free of double counts), a bounded number of times.
        let checkFrom = iso((await cursors.readCursor(db, tenantId, entity))?.pass_started_at);
        for (let reading = 1; ; reading += 1) {
          // Three stages overlap: the next page travels (read-ahead) and is mapped while this one
          // is written and committed. Pages still commit one at a time, in order, each with its
          // cursor, and a page's hooks run before the next page's transaction begins.
          let committing: PendingPage | undefined;
          try {
            for await (const page of readAhead(client.changes(entity, since, after))) {
              pages += 1;
              await labels.refreshIfUnknown(page.records);
              if (contextLabels !== labels.current || pages === 1) {
                // The mappers resolve picklist values with the field metadata and any labels pushed before.
                contextLabels = labels.current;
                run.context = await mapContextFor(db, { tenantId, source: client.psa, entity }, { labels: contextLabels });
              }
              // A page that does not commit must not count: what reading it counted goes back to before it.
              const before = snapshot(progress);
              const classified = await classifyPage(run, page.records, progress);
              await settle(committing, before);
              const pageNumber = pages;
              const pending: PendingPage = { before, committed: false, done: Promise.resolve() };
              pending.done = (async () => {
                // Only this transaction moves the write outcomes now: what they were is what a rollback restores.
                const written = {
                  inserted: progress.counts.inserted,
                  updated: progress.counts.updated,
                  unchanged: progress.counts.unchanged,
                  rejected: progress.counts.rejected,
                };
                await db
                  .transaction(async (tx) => {
                    const notWritten = await writePage(tx, run, classified, progress);
                    if (full) await cursors.rememberSeen(tx, tenantId, entity, notWritten);
                    await cursors.advancePass(tx, tenantId, entity, {
                      position: page.position,
                      maxUpdated: page.maxUpdated,
                      serverDate: client.serverDate(),
                      keyset: client.paging === 'keyset',
                    });
                    await options.hooks?.beforeCommit?.(entity, pageNumber);
                  })
                  .catch((error: unknown) => {
                    Object.assign(progress.counts, written);
                    throw error;
                  });
                pending.committed = true;
                if (Date.now() - leaseRenewedAt >= LEASE_RENEW_MS) {
                  leaseRenewedAt = Date.now();
                  await connections.renewLease(db, tenantId, job.syncRunId, LEASE_SECONDS);
                }
                options.onProgress?.({ entity, pages: pageNumber, received: classified.read.received });
                await options.hooks?.afterPage?.(entity, pageNumber);
              })();
              // Awaited before the next page's transaction or after the last; not an unhandled rejection meanwhile.
              pending.done.catch(() => undefined);
              committing = pending;
            }
          } finally {
            // Also on the way out of a failed fetch: the page in flight settles before anything else.
            await settle(committing);
          }
          checkFrom ??= iso((await cursors.readCursor(db, tenantId, entity))?.pass_started_at) ?? client.serverDate();
          if (!client.passDisturbed || !checkFrom || reading >= MAX_PASS_READINGS) break;
          const nextFrom = client.latestServerDate();
          if (!(await client.passDisturbed(entity, new Date(Date.parse(checkFrom) - config.syncOverlapSeconds * 1000).toISOString())))
            break;
          checkFrom = nextFrom;
          after = null;
        }
      } catch (error) {
        if (!(error instanceof PsaCallError && error.problem === 'shape')) throw error;
        // A page we cannot read at all: kept as a rejection with its reason; the pass stops here and
        // resumes from the last committed page next time, the other entity still syncs.
        await storeRejections(db, entity, {
          tenantId,
          source: client.psa,
          runId,
          rejections: [{ index: progress.index, external_id: null, payload: null, reasons: [error.message] }],
        });
        progress.counts.rejected += 1;
        progress.errors.push({ index: -1, external_id: null, detail: error.message });
        await finishRun(db, tenantId, runId, { status: 'failed', counts: progress.counts, error: error.message });
        return entitySummary();
      }

      const ended = await cursors.readCursor(db, tenantId, entity);
      const cursorAt = client.paging === 'keyset' ? iso(ended?.pass_max_updated) : (iso(ended?.pass_started_at) ?? client.serverDate());
      await db.transaction(async (tx) => {
        if (full) {
          const outcome = await cursors.reconcileFullPass(tx, tenantId, entity, MASS_DELETE_GUARD);
          deleted += outcome.deleted;
          refusedDeletes = outcome.refused;
        }
        await cursors.endPass(tx, tenantId, entity, cursorAt);
      });
      if (refusedDeletes > 0) {
        progress.warnings.push({
          index: -1,
          external_id: null,
          detail: `full sync: ${refusedDeletes} stored records were absent from the PSA's answer, more than ${MASS_DELETE_GUARD * 100} % of the stored records; none were marked deleted (check the connection's permissions)`,
        });
      }

      const deletesSince = ended?.deletes_cursor_at
        ? new Date(ended.deletes_cursor_at.getTime() - config.syncOverlapSeconds * 1000).toISOString()
        : null;
      const feed = await client.deletions(entity, deletesSince);
      if (feed) {
        await db.transaction(async (tx) => {
          deleted += await cursors.markDeleted(tx, tenantId, entity, feed.items);
          if (feed.latest) await cursors.setDeletesCursor(tx, tenantId, entity, feed.latest);
        });
      }
      await finishRun(db, tenantId, runId, { status: 'succeeded', counts: progress.counts });
      return entitySummary();
    } catch (error) {
      const detail = error instanceof Error ? error.message : 'the sync stopped';
      await finishRun(db, tenantId, runId, {
        status: 'failed',
        counts: progress.counts,
        error: `${detail}; committed pages are kept and the next sync resumes after them`,
      }).catch(() => undefined);
      throw error;
    }
  });

  /**
   * Waits for a page's commit. When it fails, what reading counted goes back to what was committed:
   * to before the page if its transaction failed (the transaction restored the write outcomes),
   * else (a hook stopped the sync after the commit) to before `next`, the page read meanwhile that
   * will not be written.
   */
  async function settle(page: PendingPage | undefined, next?: ReadSnapshot): Promise<void> {
    if (!page) return;
    try {
      await page.done;
    } catch (error) {
      const committed = page.committed ? next : page.before;
      if (committed) restore(progress, committed);
      throw error;
    }
  }

  async function entitySummary(): Promise<EntitySyncSummary> {
    const now = await cursors.readCursor(db, tenantId, entity);
    return {
      run_id: runId,
      tenant_id: tenantId,
      entity,
      source: client.psa,
      mode: 'sync',
      ...progress.counts,
      errors: progress.errors,
      warnings: progress.warnings,
      full,
      resumed,
      pages,
      requests: client.stats.requests - requestsBefore,
      retries: client.stats.retries - retriesBefore,
      cursor_before: cursorBefore,
      cursor_after: iso(now?.cursor_at),
      deleted,
      deletions_refused: refusedDeletes,
    };
  }
}

/** A page being written and committed while the next one is mapped. */
interface PendingPage {
  /** What reading had counted before the page was classified. */
  before: ReadSnapshot;
  committed: boolean;
  done: Promise<void>;
}

/**
 * The counters classifying a page moves (the write outcomes move in its transaction, which may
 * still be running for the page before when this is taken).
 */
interface ReadSnapshot {
  received: number;
  skipped: number;
  errors: number;
  warnings: number;
  index: number;
}

function snapshot(progress: RunProgress): ReadSnapshot {
  const { counts } = progress;
  return {
    received: counts.received,
    skipped: counts.skipped,
    errors: progress.errors.length,
    warnings: progress.warnings.length,
    index: progress.index,
  };
}

function restore(progress: RunProgress, before: ReadSnapshot): void {
  progress.counts.received = before.received;
  progress.counts.skipped = before.skipped;
  progress.errors.length = before.errors;
  progress.warnings.length = before.warnings;
  progress.index = before.index;
}

/** Field metadata labels, cached per tenant; fetched again once per sync when a value is unknown. */
async function picklists(db: Database, client: PsaClient, tenantId: string, entity: Entity, cached: PsaLabels | undefined) {
  let labels = cached && Object.keys(cached).length > 0 ? cached : undefined;
  let refreshed = false;
  const refresh = async () => {
    refreshed = true;
    const fetched = await client.labels(entity);
    if (fetched) {
      labels = fetched;
      await connections.savePicklists(db, tenantId, entity, fetched);
    }
  };
  if (!labels && client.psa === 'autotask') await refresh();
  return {
    get current() {
      return labels;
    },
    async refreshIfUnknown(records: readonly unknown[]) {
      if (refreshed || !labels) return;
      const known = labels;
      const unknown = records.some((record) => {
        if (typeof record !== 'object' || record === null) return false;
        return Object.entries(known).some(([field, values]) => {
          const value = (record as Record<string, unknown>)[field];
          return (typeof value === 'number' || typeof value === 'string') && !(String(value) in values);
        });
      });
      if (unknown) await refresh();
    },
  };
}
