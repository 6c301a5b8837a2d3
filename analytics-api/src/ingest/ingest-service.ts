import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { Config } from '../config/config.js';
import type { Database, Queryable } from '../db/database.js';
import { conflict, DomainError, invalid, notFound } from '../errors.js';
import { getTenant } from '../tenants/tenant-service.js';
import type { ActiveRuns } from './active-runs.js';
import { type Entity, type PsaLabels, type PsaRates, type PsaSource, type Source } from './canonical.js';
import { storeRejections, upsertBatch, type Rejection, type WriteHint } from './ingest-store.js';
import { readJsonArray, mockFilePath, MockFileError } from './json-array-stream.js';
import { loadLookups, saveLookups } from './lookup-store.js';
import { mergeLabels, mergeRates, parseLabels, parseRates } from './lookups.js';
import { mapRecord, type MapContext } from './mappers/index.js';
import { failInterruptedRuns, finishRun, heartbeatRun, startRun, type RunCounts } from './run-store.js';
import { storableCopy, unstorableReasonOfJson } from './storable-json.js';
import { storedRecord, type StoredRecord } from './stored-row.js';

export const BATCH_SIZE = 2_000;

/**
 * Mapping a batch is synchronous work: a loop over the records that never waits would hold back the
 * replies of the batch being written (each of its statements starts when the one before answers),
 * so the two would take turns instead of overlapping. Every this many records the loop lets the
 * event loop run. Measured in docs/benchmarks.md (one call in flight).
 */
const RECORDS_BETWEEN_YIELDS = 100;

/** Counts a loop's records: true on every RECORDS_BETWEEN_YIELDS-th, when it lets the event loop run. */
function yieldTurns(): () => boolean {
  let records = 0;
  return () => ++records % RECORDS_BETWEEN_YIELDS === 0;
}

export interface RecordIssue {
  index: number;
  external_id: string | null;
  detail: string;
}

export interface IngestSummary extends RunCounts {
  run_id: string;
  tenant_id: string;
  entity: Entity;
  source: Source;
  mode: 'push' | 'mock' | 'sync';
  errors: RecordIssue[];
  warnings: RecordIssue[];
}

export interface IngestRequest {
  tenantId: string;
  entity: Entity;
  /** The `source` query parameter (its schema admits only the sources). */
  source: Source | undefined;
  /** Push mode: the records of the body. Undefined: no body (mock mode). */
  records: unknown[] | undefined;
  /**
   * Labels of picklist values and references of a PSA source (pushed as `picklists`, or filled
   * by a connector from the entity's field metadata). Stored per tenant, source and entity, so
   * later calls without them still resolve; the raw ids stay in the stored payload.
   */
  labels?: PsaLabels;
  /** Hourly rates kept apart from the entries (Autotask roles and contract rates); stored likewise. */
  rates?: PsaRates;
}

/** Collects one batch; a repeated external id closes the batch so each row is written once per statement. */
class Batch {
  records: StoredRecord[] = [];
  rejections: Rejection[] = [];
  private ids = new Set<string>();

  has(externalId: string): boolean {
    return this.ids.has(externalId);
  }

  add(record: StoredRecord): void {
    this.ids.add(record.external_id);
    this.records.push(record);
  }

  get size(): number {
    return this.records.length + this.rejections.length;
  }
}

/**
 * Ingests one call's records: map and validate each, upsert the valid ones batch by batch (one
 * transaction per batch, together with the batch's rejections and the run's counters), keep every
 * rejected record with its reasons. Returns the run summary.
 */
export async function ingest(db: Database, config: Config, activeRuns: ActiveRuns, request: IngestRequest): Promise<IngestSummary> {
  const tenant = await getTenant(db, request.tenantId);
  const requestedSource = request.source;
  const mode = request.records === undefined ? 'mock' : 'push';
  let source: Source;
  let records: AsyncIterable<unknown> | Iterable<unknown>;

  if (request.records !== undefined) {
    if (request.records.length > config.maxRecordsPerCall) {
      throw new DomainError(
        'too_large',
        `${request.records.length} records in one call; the limit is ${config.maxRecordsPerCall}: split the call`,
      );
    }
    source = requestedSource ?? 'canonical';
    records = request.records;
  } else {
    if (!config.mockMode) {
      throw conflict('no records in the body and MOCK_MODE is false: there is nothing to pull; push records as a JSON array');
    }
    source = tenant.source as Source;
    if (requestedSource && requestedSource !== source) {
      throw invalid(`mock files of tenant ${tenant.id} are in its own source format "${source}", not "${requestedSource}"`);
    }
    const path = mockFilePath(config.mockDataPath, tenant.id, request.entity);
    records = await openMockFile(path.absolute, path.relative);
  }

  const context = await mapContextFor(db, { tenantId: tenant.id, source, entity: request.entity }, request);

  // Registered before the row exists, so a concurrent sweep never takes this run for a stale one.
  const runId = randomUUID();
  return activeRuns.around(runId, async () => {
    await failInterruptedRuns(db, config.instanceId, activeRuns.list());
    await startRun(db, { id: runId, tenantId: tenant.id, entity: request.entity, source, mode, instanceId: config.instanceId });
    return runBatches(db, request.entity, tenant.id, source, mode, runId, records, context);
  });
}

async function runBatches(
  db: Database,
  entity: Entity,
  tenantId: string,
  source: Source,
  mode: 'push' | 'mock',
  runId: string,
  records: AsyncIterable<unknown> | Iterable<unknown>,
  context: MapContext,
): Promise<IngestSummary> {
  const run: PageRun = { entity, tenantId, source, runId, context, writes: { allNewSoFar: true } };
  const progress = newProgress();
  const { counts, errors, warnings } = progress;

  // One batch is written while the next one is mapped, validated and hashed, so that this process
  // and the database work at the same time instead of taking turns; writes stay one at a time and
  // in order (a repeated id lands in a later batch, which must win). At most two batches are held.
  let writing: Promise<void> | undefined;
  const flush = async (batch: Batch) => {
    if (batch.size === 0) return;
    // The heartbeat counts what was read up to this batch, not the next one being classified.
    const read = { received: counts.received, skipped: counts.skipped };
    await writing;
    writing = db.transaction(async (tx) => {
      await writeBatch(tx, run, batch, counts);
      await heartbeatRun(tx, tenantId, runId, { ...counts, ...read });
    });
    // Awaited by the next flush or at the end; a failure meanwhile is not an unhandled rejection.
    writing.catch(() => undefined);
  };

  try {
    let batch = new Batch();
    const yieldTurn = yieldTurns();
    for await (const raw of records) {
      if (yieldTurn()) await setImmediate();
      if (!classifyInto(batch, run, raw, progress)) {
        await flush(batch);
        batch = new Batch();
        classifyInto(batch, run, raw, progress);
      }
      if (batch.size >= BATCH_SIZE) {
        await flush(batch);
        batch = new Batch();
      }
    }
    await flush(batch);
    await writing;
    await finishRun(db, tenantId, runId, { status: 'succeeded', counts });
  } catch (error) {
    // A batch still being written settles before the run's end is recorded.
    await writing?.catch(() => undefined);
    const detail = error instanceof MockFileError ? error.message : 'the ingest stopped before the end; committed batches are kept';
    await finishRun(db, tenantId, runId, { status: 'failed', counts, error: detail }).catch(() => undefined);
    if (error instanceof MockFileError) throw conflict(`mock file is malformed: ${error.message}`);
    throw error;
  }

  return { run_id: runId, tenant_id: tenantId, entity, source, mode, ...counts, errors, warnings };
}

/**
 * The labels and rates the mappers of a PSA source use: what is stored for the tenant, with what
 * this call (a push, or a sync's field metadata) brings on top, stored first so that a later call
 * without them still resolves.
 */
export async function mapContextFor(
  db: Database,
  key: { tenantId: string; source: Source; entity: Entity },
  request: Pick<IngestRequest, 'labels' | 'rates'>,
): Promise<MapContext> {
  if (key.source === 'canonical') {
    if (request.labels || request.rates)
      throw invalid('picklists and rates are read by the PSA mappers only: give source=connectwise, autotask or halopsa');
    return {};
  }
  const lookupKey = { ...key, source: key.source as PsaSource };
  const labels = parseLabels(request.labels, 'labels');
  const rates = parseRates(request.rates, 'rates');
  if (labels || rates) await saveLookups(db, lookupKey, labels, rates);
  const stored = await loadLookups(db, lookupKey);
  return { labels: mergeLabels(stored.labels, labels), rates: mergeRates(stored.rates, rates) };
}

/** One run's identity, for the per-batch writes. */
export interface PageRun {
  entity: Entity;
  tenantId: string;
  source: Source;
  runId: string;
  /** The labels and rates the PSA mappers read (mapContextFor). */
  context: MapContext;
  /** Whether every record written so far was new (ingest-store.ts WriteHint). */
  writes: WriteHint;
}

/** A run's counters and issues so far, and the index of its next record. */
export interface RunProgress {
  counts: RunCounts;
  errors: RecordIssue[];
  warnings: RecordIssue[];
  index: number;
}

export function newProgress(): RunProgress {
  return { counts: { received: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0, skipped: 0 }, errors: [], warnings: [], index: 0 };
}

/**
 * Maps and validates one record into the batch (a rejection keeps the record and its reasons).
 * Returns false, without counting the record, when its id is already in the batch: the caller
 * writes the batch and classifies the record again into a new one.
 */
function classifyInto(batch: Batch, run: PageRun, raw: unknown, progress: RunProgress): boolean {
  const { source, entity } = run;
  const mapped = mapRecord(source, entity, raw, run.context);
  if (!mapped.ok && mapped.skipped) {
    // Not a record of this entity (an action that logs no time): counted and named, not stored.
    const position = progress.index;
    progress.index += 1;
    progress.counts.received += 1;
    progress.counts.skipped += 1;
    progress.warnings.push({ index: position, external_id: mapped.externalId, detail: `skipped: ${mapped.reasons.join('; ')}` });
    return true;
  }
  // Stringified once: the unstorable check, the hash and the row all read this text.
  const rawJson = mapped.ok ? JSON.stringify(raw) : '';
  const unstorable = mapped.ok ? unstorableReasonOfJson(rawJson) : null;
  if (mapped.ok && !unstorable && batch.has(mapped.record.external_id)) return false;
  const position = progress.index;
  progress.index += 1;
  progress.counts.received += 1;
  if (!mapped.ok || unstorable) {
    // The id and reasons may quote the unstorable characters too: clean them like the payload.
    const externalId = storableCopy(mapped.ok ? mapped.record.external_id : mapped.externalId) as string | null;
    const reasons = storableCopy(mapped.ok ? [unstorable!] : mapped.reasons) as string[];
    batch.rejections.push({ index: position, external_id: externalId, payload: storableCopy(raw), reasons });
    progress.errors.push({ index: position, external_id: externalId, detail: reasons.join('; ') });
  } else {
    const record = mapped.record;
    for (const warning of mapped.warnings) progress.warnings.push({ index: position, external_id: record.external_id, detail: warning });
    batch.add(storedRecord(source, rawJson, record));
  }
  return true;
}

/** Writes one batch; returns the ids it read but did not write (rejected, or unchanged and so not rewritten). */
async function writeBatch(tx: Queryable, run: PageRun, batch: Batch, counts: RunCounts): Promise<string[]> {
  const outcome = await upsertBatch(
    tx,
    run.entity,
    { tenantId: run.tenantId, source: run.source, runId: run.runId, records: batch.records },
    run.writes,
  );
  await storeRejections(tx, run.entity, { tenantId: run.tenantId, source: run.source, runId: run.runId, rejections: batch.rejections });
  counts.inserted += outcome.inserted;
  counts.updated += outcome.updated;
  counts.unchanged += outcome.unchanged;
  counts.rejected += batch.rejections.length;
  // Every row written carries this run's id; when some record was not written, which one is not known: all are named.
  const notWritten = outcome.inserted + outcome.updated === batch.records.length ? [] : batch.records.map((r) => r.external_id);
  for (const rejection of batch.rejections) if (typeof rejection.external_id === 'string') notWritten.push(rejection.external_id);
  return notWritten;
}

/** A page of records mapped, validated and hashed, ready to be written (classifyPage). */
export interface ClassifiedPage {
  batches: Batch[];
  /** The run's received and skipped counts once the page was read, for the heartbeat. */
  read: Pick<RunCounts, 'received' | 'skipped'>;
}

/**
 * The push path for a caller that owns the transaction (the PSA sync), in two steps so that the
 * caller can map the next page while this one is written: classifyPage maps and validates
 * `records` (no database), writePageRows upserts them and keeps their rejections inside `tx`, so
 * that the caller commits its own state (the sync cursor) atomically with them. Received and
 * skipped accumulate in `progress` when classified; the write outcomes go to the caller's counts.
 */
export async function classifyPage(run: PageRun, records: readonly unknown[], progress: RunProgress): Promise<ClassifiedPage> {
  const batches: Batch[] = [];
  let batch = new Batch();
  const yieldTurn = yieldTurns();
  for (const raw of records) {
    if (yieldTurn()) await setImmediate();
    if (!classifyInto(batch, run, raw, progress)) {
      batches.push(batch);
      batch = new Batch();
      classifyInto(batch, run, raw, progress);
    }
  }
  batches.push(batch);
  return { batches, read: { received: progress.counts.received, skipped: progress.counts.skipped } };
}

/**
 * Writes the records of a classified page and keeps its rejections, inside the caller's
 * transaction; the write outcomes are added to `outcome` (the page's own counts: the caller adds
 * them to the run's once the page commits). Returns the external ids the page carried that no row
 * of this run now holds (rejected, or unchanged): with the run's id on the rows it wrote, they are
 * everything a full sync's reconciliation needs to know the page saw.
 */
export async function writePageRows(tx: Queryable, run: PageRun, page: ClassifiedPage, outcome: RunCounts): Promise<string[]> {
  const notWritten: string[] = [];
  for (const batch of page.batches) notWritten.push(...(await writeBatch(tx, run, batch, outcome)));
  return notWritten;
}

/** The external ids of a classified page's records, valid or rejected. */
export function pageIds(page: ClassifiedPage): Set<string> {
  const ids = new Set<string>();
  for (const batch of page.batches) {
    for (const record of batch.records) ids.add(record.external_id);
    for (const rejection of batch.rejections) if (typeof rejection.external_id === 'string') ids.add(rejection.external_id);
  }
  return ids;
}

async function openMockFile(absolute: string, relative: string): Promise<AsyncIterable<unknown>> {
  try {
    return await readJsonArray(absolute, { displayName: relative });
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    throw notFound(
      code === 'ENOENT'
        ? `mock file ${relative} not found in MOCK_DATA_PATH`
        : `mock file ${relative} in MOCK_DATA_PATH is not readable (${code ?? String(error)})`,
    );
  }
}
