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
  pageIds,
  writePageRows,
  type ClassifiedPage,
  type IngestSummary,
  type PageRun,
  type RunProgress,
} from '../ingest/ingest-service.js';
import { storeRejections } from '../ingest/ingest-store.js';
import { failInterruptedRuns, finishRun, heartbeatRun, startRun } from '../ingest/run-store.js';
import type { ChangePage, PsaClient } from './clients/psa-client.js';
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
  const pagesInFlight = db.maxConcurrency > 1 ? PAGES_IN_FLIGHT : 1;

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
          // The next page travels (read-ahead) and is mapped while the pages before it are written.
          // On PostgreSQL two pages are written at once, each in its own transaction, so that the
          // database works on both cores: a page's rows are copied in while the page before it
          // commits. Pages still commit one at a time, in order, each with its cursor: a page touches
          // the run and cursor rows only once the page before it has committed (and its hooks ran),
          // and rolls back if that page failed. Two pages holding the same record are not written at
          // once (each would wait for the other's row).
          const inFlight: PendingPage[] = [];
          let classifiedBefore: ReadSnapshot | undefined;
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
              classifiedBefore = snapshot(progress);
              const classified = await classifyPage(run, page.records, progress);
              const ids = pageIds(classified);
              while (inFlight.length > 0 && (inFlight.length >= pagesInFlight || inFlight.some((p) => shareAny(p.ids, ids)))) {
                await inFlight[0]!.done;
                inFlight.shift();
              }
              inFlight.push(writeInOrder(page, classified, ids, classifiedBefore, inFlight.at(-1)));
              classifiedBefore = undefined;
            }
            for (const pending of inFlight) await pending.done;
          } catch (error) {
            // Also on the way out of a failed fetch: the pages being written settle before anything else.
            await Promise.allSettled(inFlight.map((p) => p.done));
            // What reading counted goes back to before the first page that did not commit.
            const uncommitted = inFlight.find((p) => !p.committed)?.before ?? classifiedBefore;
            if (uncommitted) restore(progress, uncommitted);
            throw error;
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
   * Writes a page in its own transaction: its rows at once, then — once `previous` (the page before,
   * still being written) has committed and its hooks ran — the run's heartbeat, the pass's cursor
   * and, for a full pass, the ids it saw, then commits. The page's write outcomes join the run's
   * counts when it commits, so a page that rolls back leaves them as they were.
   */
  function writeInOrder(
    page: ChangePage,
    classified: ClassifiedPage,
    ids: Set<string>,
    before: ReadSnapshot,
    previous: PendingPage | undefined,
  ): PendingPage {
    const pageNumber = pages;
    const pending: PendingPage = { ids, before, committed: false, done: Promise.resolve() };
    pending.done = (async () => {
      const outcome = newProgress().counts;
      await db.transaction(async (tx) => {
        const notWritten = await writePageRows(tx, run, classified, outcome);
        await previous?.done;
        const counts = { ...progress.counts, ...classified.read };
        for (const key of WRITE_OUTCOMES) counts[key] += outcome[key];
        await heartbeatRun(tx, tenantId, runId, counts);
        if (full) await cursors.rememberSeen(tx, tenantId, entity, notWritten);
        await cursors.advancePass(tx, tenantId, entity, {
          position: page.position,
          maxUpdated: page.maxUpdated,
          serverDate: client.serverDate(),
          keyset: client.paging === 'keyset',
        });
        await options.hooks?.beforeCommit?.(entity, pageNumber);
      });
      for (const key of WRITE_OUTCOMES) progress.counts[key] += outcome[key];
      pending.committed = true;
      if (Date.now() - leaseRenewedAt >= LEASE_RENEW_MS) {
        leaseRenewedAt = Date.now();
        await connections.renewLease(db, tenantId, job.syncRunId, LEASE_SECONDS);
      }
      options.onProgress?.({ entity, pages: pageNumber, received: classified.read.received });
      await options.hooks?.afterPage?.(entity, pageNumber);
    })();
    // Awaited by the page after it, by the loop or at the end; not an unhandled rejection meanwhile.
    pending.done.catch(() => undefined);
    return pending;
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

/** A page being written and committed while the next ones are mapped and written. */
interface PendingPage {
  /** The external ids it holds. */
  ids: Set<string>;
  /** What reading had counted before the page was classified. */
  before: ReadSnapshot;
  committed: boolean;
  /** Committed and its hooks ran; rejects when either failed. */
  done: Promise<void>;
}

/** The counts a page's transaction moves (the others move as pages are read). */
const WRITE_OUTCOMES = ['inserted', 'updated', 'unchanged', 'rejected'] as const;

/** How many pages are written at once where the database takes several connections (PostgreSQL). */
const PAGES_IN_FLIGHT = 2;

function shareAny(a: Set<string>, b: Set<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const id of small) if (large.has(id)) return true;
  return false;
}

/** The counters classifying a page moves (the write outcomes move when a page commits). */
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
