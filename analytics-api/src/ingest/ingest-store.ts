import type { Queryable } from '../db/database.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { Entity, Source } from './canonical.js';
import { copyRows, copyStatement } from './copy-rows.js';
import { jsonbRow, type StoredRecord } from './stored-row.js';

/**
 * Set-based writes of one batch. Records that already have a row travel as one jsonb array
 * parameter and are upserted by a single INSERT … SELECT FROM jsonb_to_recordset … ON CONFLICT
 * statement; a row is rewritten only when its record_hash changed, so re-sending the same data
 * touches nothing. Records without a row are copied in (COPY … FROM STDIN) where the database can.
 */

export interface UpsertOutcome {
  inserted: number;
  updated: number;
  unchanged: number;
}

const UPSERT_TICKETS = /* SQL */ `
  INSERT INTO raw_tickets AS t (
    tenant_id, external_id, source, summary, client_id, client_name, technician_id, technician_name,
    board, priority, status, created_at, first_response_at, closed_at, sla_response_due_at,
    sla_resolution_due_at, sla_response_met, sla_resolution_met, reopen_count, source_updated_at,
    payload, record_hash, last_run_id)
  SELECT $1::uuid, r.external_id, $2, r.summary, r.client_id, r.client_name, r.technician_id, r.technician_name,
         r.board, r.priority, r.status, r.created_at, r.first_response_at, r.closed_at, r.sla_response_due_at,
         r.sla_resolution_due_at, r.sla_response_met, r.sla_resolution_met, COALESCE(r.reopen_count, 0), r.updated_at,
         r.payload, r.record_hash, $3::uuid
    FROM jsonb_to_recordset($4::jsonb) AS r(
         external_id text, summary text, client_id text, client_name text, technician_id text, technician_name text,
         board text, priority text, status text, created_at timestamptz, first_response_at timestamptz,
         closed_at timestamptz, sla_response_due_at timestamptz, sla_resolution_due_at timestamptz,
         sla_response_met boolean, sla_resolution_met boolean, reopen_count integer, updated_at timestamptz,
         payload jsonb, record_hash text)
  ON CONFLICT (tenant_id, external_id) DO UPDATE SET
    source = EXCLUDED.source, summary = EXCLUDED.summary, client_id = EXCLUDED.client_id,
    client_name = EXCLUDED.client_name, technician_id = EXCLUDED.technician_id,
    technician_name = EXCLUDED.technician_name, board = EXCLUDED.board, priority = EXCLUDED.priority,
    status = EXCLUDED.status, created_at = EXCLUDED.created_at, first_response_at = EXCLUDED.first_response_at,
    closed_at = EXCLUDED.closed_at, sla_response_due_at = EXCLUDED.sla_response_due_at,
    sla_resolution_due_at = EXCLUDED.sla_resolution_due_at, sla_response_met = EXCLUDED.sla_response_met,
    sla_resolution_met = EXCLUDED.sla_resolution_met, reopen_count = EXCLUDED.reopen_count,
    source_updated_at = EXCLUDED.source_updated_at, payload = EXCLUDED.payload, record_hash = EXCLUDED.record_hash,
    last_run_id = EXCLUDED.last_run_id, ingested_at = now(), changed_at = now(), deleted_at = NULL
  WHERE t.record_hash IS DISTINCT FROM EXCLUDED.record_hash
  RETURNING (xmax = 0) AS inserted`;

const UPSERT_TIME_ENTRIES = /* SQL */ `
  INSERT INTO raw_time_entries AS e (
    tenant_id, external_id, source, technician_id, technician_name, ticket_external_id, client_id, client_name,
    work_type, started_at, ended_at, work_date, hours_worked, hours_billed, hourly_rate, billable,
    non_service_desk, currency, source_updated_at, payload, record_hash, last_run_id)
  SELECT $1::uuid, r.external_id, $2, r.technician_id, r.technician_name, r.ticket_external_id, r.client_id, r.client_name,
         r.work_type, r.started_at, r.ended_at, r.work_date, r.hours_worked, r.hours_billed, r.hourly_rate, r.billable,
         COALESCE(r.non_service_desk, false), r.currency, r.updated_at, r.payload, r.record_hash, $3::uuid
    FROM jsonb_to_recordset($4::jsonb) AS r(
         external_id text, technician_id text, technician_name text, ticket_external_id text, client_id text,
         client_name text, work_type text, started_at timestamptz, ended_at timestamptz, work_date date,
         hours_worked numeric, hours_billed numeric, hourly_rate numeric, billable boolean, updated_at timestamptz,
         non_service_desk boolean, currency text, payload jsonb, record_hash text)
  ON CONFLICT (tenant_id, external_id) DO UPDATE SET
    source = EXCLUDED.source, technician_id = EXCLUDED.technician_id, technician_name = EXCLUDED.technician_name,
    ticket_external_id = EXCLUDED.ticket_external_id, client_id = EXCLUDED.client_id,
    client_name = EXCLUDED.client_name, work_type = EXCLUDED.work_type, started_at = EXCLUDED.started_at,
    ended_at = EXCLUDED.ended_at, work_date = EXCLUDED.work_date, hours_worked = EXCLUDED.hours_worked,
    hours_billed = EXCLUDED.hours_billed, hourly_rate = EXCLUDED.hourly_rate, billable = EXCLUDED.billable,
    non_service_desk = EXCLUDED.non_service_desk, currency = EXCLUDED.currency, source_updated_at = EXCLUDED.source_updated_at, payload = EXCLUDED.payload, record_hash = EXCLUDED.record_hash,
    last_run_id = EXCLUDED.last_run_id, ingested_at = now(), changed_at = now(), deleted_at = NULL
  WHERE e.record_hash IS DISTINCT FROM EXCLUDED.record_hash
  RETURNING (xmax = 0) AS inserted`;

const UPSERT_SQL: Record<Entity, string> = { tickets: UPSERT_TICKETS, time_entries: UPSERT_TIME_ENTRIES };

/**
 * One primary-key probe per id, as a subquery the planner cannot turn into a join. The plain
 * `external_id = ANY($2)` is planned from statistics, and a table that has just been filled has
 * none until autovacuum analyses it: PostgreSQL then took `tenant_id = $1` for selective, scanned
 * every row of the tenant through another index, and one lookup of 2,000 ids cost 200–400 ms on
 * 200,000 rows instead of a few. Ids without a row come back with a null hash.
 */
function storedHashesSql(table: string): string {
  return `SELECT i.external_id, (SELECT t.record_hash FROM ${table} t WHERE t.tenant_id = $1 AND t.external_id = i.external_id) AS record_hash
            FROM unnest($2::text[]) AS i(external_id)`;
}

const STORED_HASHES: Record<Entity, string> = {
  tickets: storedHashesSql('raw_tickets'),
  time_entries: storedHashesSql('raw_time_entries'),
};

/**
 * What the batches of one run (an ingest call, a sync pass) have met so far. A run starts by
 * assuming its records are new and copies each batch in without looking its ids up; the first record
 * that has a row fails that COPY, the batch then takes the usual path, and so do the run's later
 * batches until one finds no stored row. A tenant's first load then never reads the table it is
 * filling: on a table that has just been filled and not yet analysed, PostgreSQL may plan the lookup
 * on an index that does not hold external_id and scan every row of the tenant once per record
 * (seen in the bench: one batch's lookup took 15–69 s, docs/benchmarks.md).
 */
export interface WriteHint {
  allNewSoFar: boolean;
}

/**
 * Records of one batch must have distinct external ids (the caller splits repeats into the next batch).
 *
 * Records whose stored hash already equals theirs are counted unchanged without being sent: a
 * re-ingest then reads an index instead of shipping and unpacking every payload. That is only a
 * shortcut; the upsert's own hash comparison still decides for every record it receives, so a row
 * that another call changes after the lookup is never lost, and each record's outcome in each
 * call's counts is the one it would have had in some serial order of the calls.
 */
export async function upsertBatch(
  tx: Queryable,
  entity: Entity,
  batch: { tenantId: string; source: Source; runId: string; records: StoredRecord[] },
  hint?: WriteHint,
): Promise<UpsertOutcome> {
  if (batch.records.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  if (hint?.allNewSoFar) {
    if (await copyFresh(tx, entity, batch, byExternalId(batch.records)))
      return { inserted: batch.records.length, updated: 0, unchanged: 0 };
    hint.allNewSoFar = false;
  }
  const stored = await storedHashes(tx, entity, batch.tenantId, batch.records);
  if (hint) hint.allNewSoFar = stored.size === 0;
  const candidates = stored.size === 0 ? batch.records : batch.records.filter((r) => stored.get(r.external_id) !== r.record_hash);
  const skipped = batch.records.length - candidates.length;
  if (candidates.length === 0) return { inserted: 0, updated: 0, unchanged: skipped };
  const sorted = byExternalId(candidates);
  const fresh = sorted.filter((r) => !stored.has(r.external_id));
  const copied = fresh.length > 0 && (await copyFresh(tx, entity, batch, fresh));
  const outcome = await upsertRows(tx, entity, batch, copied ? sorted.filter((r) => stored.has(r.external_id)) : sorted);
  return {
    inserted: (copied ? fresh.length : 0) + outcome.inserted,
    updated: outcome.updated,
    unchanged: skipped + outcome.unchanged,
  };
}

/** Sorted so that concurrent batches lock rows in the same order and cannot deadlock. */
function byExternalId(records: StoredRecord[]): StoredRecord[] {
  return [...records].sort((a, b) => (a.external_id < b.external_id ? -1 : a.external_id > b.external_id ? 1 : 0));
}

/**
 * Copies in the records that had no row when the batch looked (true), or leaves them all to the
 * upsert (false): on a database without COPY, or when another call inserted one of them since. That
 * call's row makes the COPY fail as a whole; the savepoint takes back only the COPY, and the upsert
 * then gives each record the outcome it has against that row.
 */
async function copyFresh(
  tx: Queryable,
  entity: Entity,
  batch: { tenantId: string; source: Source; runId: string },
  fresh: StoredRecord[],
): Promise<boolean> {
  if (!tx.copyIn) return false;
  await tx.query('SAVEPOINT copy_fresh_rows');
  try {
    await tx.copyIn(copyStatement(entity), copyRows(entity, batch, fresh));
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await tx.query('ROLLBACK TO SAVEPOINT copy_fresh_rows');
    return false;
  }
  await tx.query('RELEASE SAVEPOINT copy_fresh_rows');
  return true;
}

async function upsertRows(
  tx: Queryable,
  entity: Entity,
  batch: { tenantId: string; source: Source; runId: string },
  records: StoredRecord[],
): Promise<UpsertOutcome> {
  if (records.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const { rows } = await tx.query<{ inserted: boolean }>(UPSERT_SQL[entity], [
    batch.tenantId,
    batch.source,
    batch.runId,
    `[${records.map(jsonbRow).join(',')}]`,
  ]);
  const inserted = rows.filter((row) => row.inserted).length;
  return { inserted, updated: rows.length - inserted, unchanged: records.length - rows.length };
}

async function storedHashes(tx: Queryable, entity: Entity, tenantId: string, records: StoredRecord[]): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ external_id: string; record_hash: string | null }>(STORED_HASHES[entity], [
    tenantId,
    records.map((r) => r.external_id),
  ]);
  const stored = new Map<string, string>();
  for (const row of rows) if (row.record_hash !== null) stored.set(row.external_id, row.record_hash);
  return stored;
}

export interface Rejection {
  index: number;
  external_id: string | null;
  payload: unknown;
  reasons: string[];
}

export async function storeRejections(
  tx: Queryable,
  entity: Entity,
  batch: { tenantId: string; source: Source; runId: string; rejections: Rejection[] },
): Promise<void> {
  if (batch.rejections.length === 0) return;
  await tx.query(
    `INSERT INTO ingest_rejections (tenant_id, run_id, entity, source, record_index, external_id, payload, reasons)
     SELECT $1::uuid, $2::uuid, $3, $4, r.index, r.external_id, COALESCE(r.payload, 'null'::jsonb), r.reasons
       FROM jsonb_to_recordset($5::jsonb) AS r(index integer, external_id text, payload jsonb, reasons jsonb)`,
    [batch.tenantId, batch.runId, entity, batch.source, JSON.stringify(batch.rejections)],
  );
}
