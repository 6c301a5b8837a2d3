import type { Queryable } from '../db/database.js';
import type { Entity, Source } from './canonical.js';

/**
 * Set-based writes of one batch: every record of the batch travels as one jsonb array parameter and
 * is upserted by a single INSERT … SELECT FROM jsonb_to_recordset … ON CONFLICT statement.
 * A row is rewritten only when its record_hash changed, so re-sending the same data touches nothing.
 */

export interface StoredRecord {
  external_id: string;
  record_hash: string;
  payload: unknown;
  [column: string]: unknown;
}

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
    last_run_id = EXCLUDED.last_run_id, ingested_at = now(), changed_at = now()
  WHERE t.record_hash IS DISTINCT FROM EXCLUDED.record_hash
  RETURNING (xmax = 0) AS inserted`;

const UPSERT_TIME_ENTRIES = /* SQL */ `
  INSERT INTO raw_time_entries AS e (
    tenant_id, external_id, source, technician_id, technician_name, ticket_external_id, client_id, client_name,
    work_type, started_at, ended_at, work_date, hours_worked, hours_billed, hourly_rate, billable,
    source_updated_at, payload, record_hash, last_run_id)
  SELECT $1::uuid, r.external_id, $2, r.technician_id, r.technician_name, r.ticket_external_id, r.client_id, r.client_name,
         r.work_type, r.started_at, r.ended_at, r.work_date, r.hours_worked, r.hours_billed, r.hourly_rate, r.billable,
         r.updated_at, r.payload, r.record_hash, $3::uuid
    FROM jsonb_to_recordset($4::jsonb) AS r(
         external_id text, technician_id text, technician_name text, ticket_external_id text, client_id text,
         client_name text, work_type text, started_at timestamptz, ended_at timestamptz, work_date date,
         hours_worked numeric, hours_billed numeric, hourly_rate numeric, billable boolean, updated_at timestamptz,
         payload jsonb, record_hash text)
  ON CONFLICT (tenant_id, external_id) DO UPDATE SET
    source = EXCLUDED.source, technician_id = EXCLUDED.technician_id, technician_name = EXCLUDED.technician_name,
    ticket_external_id = EXCLUDED.ticket_external_id, client_id = EXCLUDED.client_id,
    client_name = EXCLUDED.client_name, work_type = EXCLUDED.work_type, started_at = EXCLUDED.started_at,
    ended_at = EXCLUDED.ended_at, work_date = EXCLUDED.work_date, hours_worked = EXCLUDED.hours_worked,
    hours_billed = EXCLUDED.hours_billed, hourly_rate = EXCLUDED.hourly_rate, billable = EXCLUDED.billable,
    source_updated_at = EXCLUDED.source_updated_at, payload = EXCLUDED.payload, record_hash = EXCLUDED.record_hash,
    last_run_id = EXCLUDED.last_run_id, ingested_at = now(), changed_at = now()
  WHERE e.record_hash IS DISTINCT FROM EXCLUDED.record_hash
  RETURNING (xmax = 0) AS inserted`;

const UPSERT_SQL: Record<Entity, string> = { tickets: UPSERT_TICKETS, time_entries: UPSERT_TIME_ENTRIES };

/** Records of one batch must have distinct external ids (the caller splits repeats into the next batch). */
export async function upsertBatch(
  tx: Queryable,
  entity: Entity,
  batch: { tenantId: string; source: Source; runId: string; records: StoredRecord[] },
): Promise<UpsertOutcome> {
  if (batch.records.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  // Sorted so that concurrent batches lock rows in the same order and cannot deadlock.
  const sorted = [...batch.records].sort((a, b) => (a.external_id < b.external_id ? -1 : a.external_id > b.external_id ? 1 : 0));
  const { rows } = await tx.query<{ inserted: boolean }>(UPSERT_SQL[entity], [
    batch.tenantId,
    batch.source,
    batch.runId,
    JSON.stringify(sorted),
  ]);
  const inserted = rows.filter((row) => row.inserted).length;
  return { inserted, updated: rows.length - inserted, unchanged: batch.records.length - rows.length };
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
