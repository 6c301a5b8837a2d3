import type { Database, Queryable } from '../../src/db/database.js';
import { createTenant } from '../../src/tenants/tenant-service.js';

/** Fixtures written straight into the canonical columns (payload '{}', record_hash 'x'). */

export interface TicketFixture {
  id: string;
  created: string;
  closed?: string | null;
  responded?: string | null;
  client?: string | null;
  clientName?: string | null;
  tech?: string | null;
  techName?: string | null;
  priority?: string | null;
  responseDue?: string | null;
  resolutionDue?: string | null;
  responseMet?: boolean | null;
  resolutionMet?: boolean | null;
  reopens?: number;
  /** changed_at and ingested_at (defaults to now()). */
  changedAt?: string;
  sourceUpdatedAt?: string | null;
}

export interface EntryFixture {
  id: string;
  tech: string;
  techName?: string | null;
  hours: number;
  billable: boolean;
  workDate?: string | null;
  started?: string | null;
  ticket?: string | null;
  client?: string | null;
  clientName?: string | null;
  billed?: number | null;
  rate?: number | null;
  changedAt?: string;
  sourceUpdatedAt?: string | null;
}

let tenantCounter = 0;

export async function newTenant(db: Database, options: { timezone?: string; capacity?: number; name?: string } = {}): Promise<string> {
  tenantCounter += 1;
  const tenant = await createTenant(db, {
    name: options.name ?? `kpi-test-${tenantCounter}`,
    timezone: options.timezone ?? 'UTC',
    dailyCapacityHours: options.capacity ?? 8,
  });
  return tenant.id;
}

export async function insertTickets(db: Queryable, tenantId: string, tickets: TicketFixture[]): Promise<void> {
  if (tickets.length === 0) return;
  const rows = tickets.map((t) => ({
    external_id: t.id,
    created_at: t.created,
    closed_at: t.closed ?? null,
    first_response_at: t.responded ?? null,
    client_id: t.client ?? null,
    client_name: t.clientName ?? null,
    technician_id: t.tech ?? null,
    technician_name: t.techName ?? null,
    priority: t.priority ?? null,
    sla_response_due_at: t.responseDue ?? null,
    sla_resolution_due_at: t.resolutionDue ?? null,
    sla_response_met: t.responseMet ?? null,
    sla_resolution_met: t.resolutionMet ?? null,
    reopen_count: t.reopens ?? 0,
    changed_at: t.changedAt ?? null,
    source_updated_at: t.sourceUpdatedAt ?? null,
  }));
  await db.query(
    `INSERT INTO raw_tickets (tenant_id, external_id, source, created_at, closed_at, first_response_at, client_id, client_name,
                              technician_id, technician_name, priority, sla_response_due_at, sla_resolution_due_at,
                              sla_response_met, sla_resolution_met, reopen_count, source_updated_at, payload, record_hash,
                              ingested_at, changed_at)
     SELECT $1::uuid, r.external_id, 'canonical', r.created_at, r.closed_at, r.first_response_at, r.client_id, r.client_name,
            r.technician_id, r.technician_name, r.priority, r.sla_response_due_at, r.sla_resolution_due_at,
            r.sla_response_met, r.sla_resolution_met, r.reopen_count, r.source_updated_at, '{}'::jsonb, 'x',
            COALESCE(r.changed_at, now()), COALESCE(r.changed_at, now())
       FROM jsonb_to_recordset($2::jsonb) AS r (
              external_id text, created_at timestamptz, closed_at timestamptz, first_response_at timestamptz,
              client_id text, client_name text, technician_id text, technician_name text, priority text,
              sla_response_due_at timestamptz, sla_resolution_due_at timestamptz, sla_response_met boolean,
              sla_resolution_met boolean, reopen_count integer, changed_at timestamptz, source_updated_at timestamptz)
     ON CONFLICT (tenant_id, external_id) DO UPDATE SET
       created_at = EXCLUDED.created_at, closed_at = EXCLUDED.closed_at, first_response_at = EXCLUDED.first_response_at,
       client_id = EXCLUDED.client_id, client_name = EXCLUDED.client_name, technician_id = EXCLUDED.technician_id,
       technician_name = EXCLUDED.technician_name, priority = EXCLUDED.priority,
       sla_response_due_at = EXCLUDED.sla_response_due_at, sla_resolution_due_at = EXCLUDED.sla_resolution_due_at,
       sla_response_met = EXCLUDED.sla_response_met, sla_resolution_met = EXCLUDED.sla_resolution_met,
       reopen_count = EXCLUDED.reopen_count, source_updated_at = EXCLUDED.source_updated_at,
       ingested_at = EXCLUDED.ingested_at, changed_at = EXCLUDED.changed_at`,
    [tenantId, JSON.stringify(rows)],
  );
}

export async function insertEntries(db: Queryable, tenantId: string, entries: EntryFixture[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({
    external_id: e.id,
    technician_id: e.tech,
    technician_name: e.techName ?? null,
    hours_worked: e.hours,
    billable: e.billable,
    work_date: e.workDate ?? null,
    started_at: e.started ?? null,
    ticket_external_id: e.ticket ?? null,
    client_id: e.client ?? null,
    client_name: e.clientName ?? null,
    hours_billed: e.billed ?? null,
    hourly_rate: e.rate ?? null,
    changed_at: e.changedAt ?? null,
    source_updated_at: e.sourceUpdatedAt ?? null,
  }));
  await db.query(
    `INSERT INTO raw_time_entries (tenant_id, external_id, source, technician_id, technician_name, hours_worked, billable,
                                   work_date, started_at, ticket_external_id, client_id, client_name, hours_billed,
                                   hourly_rate, source_updated_at, payload, record_hash, ingested_at, changed_at)
     SELECT $1::uuid, r.external_id, 'canonical', r.technician_id, r.technician_name, r.hours_worked, r.billable,
            r.work_date, r.started_at, r.ticket_external_id, r.client_id, r.client_name, r.hours_billed,
            r.hourly_rate, r.source_updated_at, '{}'::jsonb, 'x', COALESCE(r.changed_at, now()), COALESCE(r.changed_at, now())
       FROM jsonb_to_recordset($2::jsonb) AS r (
              external_id text, technician_id text, technician_name text, hours_worked numeric, billable boolean,
              work_date date, started_at timestamptz, ticket_external_id text, client_id text, client_name text,
              hours_billed numeric, hourly_rate numeric, changed_at timestamptz, source_updated_at timestamptz)
     ON CONFLICT (tenant_id, external_id) DO UPDATE SET
       technician_id = EXCLUDED.technician_id, technician_name = EXCLUDED.technician_name,
       hours_worked = EXCLUDED.hours_worked, billable = EXCLUDED.billable, work_date = EXCLUDED.work_date,
       started_at = EXCLUDED.started_at, ticket_external_id = EXCLUDED.ticket_external_id,
       client_id = EXCLUDED.client_id, client_name = EXCLUDED.client_name, hours_billed = EXCLUDED.hours_billed,
       hourly_rate = EXCLUDED.hourly_rate, source_updated_at = EXCLUDED.source_updated_at,
       ingested_at = EXCLUDED.ingested_at, changed_at = EXCLUDED.changed_at`,
    [tenantId, JSON.stringify(rows)],
  );
}

/** The stored tenant-level row of a day, at full precision (no rounding). */
export async function storedDay(db: Queryable, tenantId: string, date: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query(`SELECT * FROM kpi_daily WHERE tenant_id = $1 AND kpi_date = $2::date`, [tenantId, date]);
  return rows[0];
}

/** The stored breakdown rows of a day and dimension, at full precision. */
export async function storedGroups(db: Queryable, tenantId: string, date: string, dimension: string): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query(
    `SELECT * FROM kpi_daily_breakdown WHERE tenant_id = $1 AND kpi_date = $2::date AND dimension = $3
      ORDER BY group_key NULLS LAST`,
    [tenantId, date, dimension],
  );
  return rows;
}
