import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { Database } from '../../src/db/database.js';
import { KPI_KEYS } from '../../src/kpi/kpi-keys.js';

/** Independent readers of the exported files (nothing from src/exports is used to read). */

export type Cells = Record<string, unknown>;

/**
 * A fact table is a folder of month files: `<dir>/fact_tickets.csv` names every
 * `<dir>/fact_tickets/<YYYY-MM>.csv`, in month order (the other tables are single files).
 */
export function monthFiles(path: string): string[] | null {
  const match = /^(.*)\.(csv|parquet)$/.exec(path);
  if (!match || existsSync(path) || !existsSync(match[1]!)) return null;
  const [, folder, extension] = match;
  return readdirSync(folder!)
    .filter((name) => /^\d{4}-\d{2}\./.test(name) && name.endsWith(`.${extension}`))
    .sort()
    .map((name) => join(folder!, name));
}

/** SHA-256 of a file; of a fact table, of its month files' names and hashes. */
export function sha256(path: string): string {
  const months = monthFiles(path);
  if (months)
    return createHash('sha256')
      .update(months.map((month) => `${basename(month)} ${sha256(month)}`).join('\n'))
      .digest('hex');
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** CSV rows as objects of strings (csv-parse, BOM stripped, RFC 4180 quoting); a fact table's months in order. */
export function readCsv(path: string): Record<string, string>[] {
  const months = monthFiles(path);
  if (months) return months.flatMap(readCsv);
  return parse(readFileSync(path), { bom: true, columns: true, relax_column_count: false, skip_empty_lines: false }) as Record<
    string,
    string
  >[];
}

export function csvHeader(path: string): string[] {
  path = monthFiles(path)?.[0] ?? path;
  const [header] = parse(readFileSync(path), { bom: true, to_line: 1 }) as string[][];
  return header ?? [];
}

/** Parquet rows as objects (hyparquet): DATE and TIMESTAMP columns come back as Date. */
export async function readParquet(path: string): Promise<Cells[]> {
  const months = monthFiles(path);
  if (months) return (await Promise.all(months.map(readParquet))).flat();
  const file = await asyncBufferFromFile(path);
  return (await parquetReadObjects({ file })) as Cells[];
}

export async function parquetSchemaOf(path: string) {
  path = monthFiles(path)?.[0] ?? path;
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  return { metadata, columns: metadata.schema.slice(1) };
}

/** A Parquet value in the text form the CSV uses, to compare the two formats cell by cell. */
export function asCsvText(value: unknown, type: string): string {
  if (value === null || value === undefined) return '';
  if (type === 'date') return (value as Date).toISOString().slice(0, 10);
  if (type === 'timestamp') return (value as Date).toISOString();
  if (type === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  return String(value);
}

/** Removes the formula-injection escape of a CSV text cell. */
export function unescapeFormula(text: string): string {
  return /^'[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(text) ? text.slice(1) : text;
}

export const PARIS = '00000000-0000-4000-8000-00000000aaaa';
export const OTHER = '00000000-0000-4000-8000-00000000bbbb';

export interface TicketInput {
  external_id: string;
  created_at: string;
  client_id?: string | null;
  client_name?: string | null;
  technician_id?: string | null;
  technician_name?: string | null;
  priority?: string | null;
  status?: string | null;
  summary?: string | null;
  first_response_at?: string | null;
  closed_at?: string | null;
  sla_response_due_at?: string | null;
  sla_resolution_due_at?: string | null;
  sla_response_met?: boolean | null;
  sla_resolution_met?: boolean | null;
  reopen_count?: number;
}

/** Upserts like ingestion does: a second insert of the same external_id replaces the row. */
export async function insertTicket(db: Database, tenantId: string, t: TicketInput): Promise<void> {
  await db.query(
    `INSERT INTO raw_tickets (tenant_id, external_id, source, summary, client_id, client_name, technician_id, technician_name,
                              board, priority, status, created_at, first_response_at, closed_at, sla_response_due_at,
                              sla_resolution_due_at, sla_response_met, sla_resolution_met, reopen_count, payload, record_hash)
     VALUES ($1, $2, 'canonical', $3, $4, $5, $6, $7, 'Service', $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, '{}', 'x')
     ON CONFLICT (tenant_id, external_id) DO UPDATE SET
       summary = EXCLUDED.summary, client_id = EXCLUDED.client_id, client_name = EXCLUDED.client_name,
       technician_id = EXCLUDED.technician_id, technician_name = EXCLUDED.technician_name, priority = EXCLUDED.priority,
       status = EXCLUDED.status, created_at = EXCLUDED.created_at, first_response_at = EXCLUDED.first_response_at,
       closed_at = EXCLUDED.closed_at, sla_response_due_at = EXCLUDED.sla_response_due_at,
       sla_resolution_due_at = EXCLUDED.sla_resolution_due_at, sla_response_met = EXCLUDED.sla_response_met,
       sla_resolution_met = EXCLUDED.sla_resolution_met, reopen_count = EXCLUDED.reopen_count, changed_at = now()`,
    [
      tenantId,
      t.external_id,
      t.summary ?? null,
      t.client_id ?? null,
      t.client_name ?? null,
      t.technician_id ?? null,
      t.technician_name ?? null,
      t.priority ?? null,
      t.status ?? null,
      t.created_at,
      t.first_response_at ?? null,
      t.closed_at ?? null,
      t.sla_response_due_at ?? null,
      t.sla_resolution_due_at ?? null,
      t.sla_response_met ?? null,
      t.sla_resolution_met ?? null,
      t.reopen_count ?? 0,
    ],
  );
}

export interface EntryInput {
  external_id: string;
  technician_id: string;
  technician_name?: string | null;
  hours_worked: number;
  billable: boolean;
  work_date?: string | null;
  started_at?: string | null;
  ended_at?: string | null;
  ticket_external_id?: string | null;
  client_id?: string | null;
  client_name?: string | null;
  hours_billed?: number | null;
  hourly_rate?: number | null;
  work_type?: string | null;
}

export async function insertEntry(db: Database, tenantId: string, e: EntryInput): Promise<void> {
  await db.query(
    `INSERT INTO raw_time_entries (tenant_id, external_id, source, technician_id, technician_name, ticket_external_id, client_id,
                                   client_name, work_type, started_at, ended_at, work_date, hours_worked, hours_billed,
                                   hourly_rate, billable, payload, record_hash)
     VALUES ($1, $2, 'canonical', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, '{}', 'x')`,
    [
      tenantId,
      e.external_id,
      e.technician_id,
      e.technician_name ?? null,
      e.ticket_external_id ?? null,
      e.client_id ?? null,
      e.client_name ?? null,
      e.work_type ?? null,
      e.started_at ?? null,
      e.ended_at ?? null,
      e.work_date ?? null,
      e.hours_worked,
      e.hours_billed ?? null,
      e.hourly_rate ?? null,
      e.billable,
    ],
  );
}

/** A kpi_daily row: every KPI 0 unless given. */
export async function insertKpiDaily(db: Database, tenantId: string, day: string, kpis: Partial<Record<string, number | null>>) {
  const values = KPI_KEYS.map((key) => (key in kpis ? kpis[key] : 0));
  await db.query(
    `INSERT INTO kpi_daily (tenant_id, kpi_date, ${KPI_KEYS.join(', ')}, computed_at, data_as_of)
     VALUES ($1, $2, ${KPI_KEYS.map((_, i) => `$${i + 3}`).join(', ')}, '2026-01-26T06:00:00Z', '2026-01-26T05:00:00Z')`,
    [tenantId, day, ...values],
  );
}

export async function insertKpiBreakdown(
  db: Database,
  tenantId: string,
  day: string,
  dimension: 'client' | 'technician' | 'priority',
  key: string | null,
  label: string,
  kpis: Partial<Record<string, number | null>>,
) {
  const values = KPI_KEYS.map((k) => (k in kpis ? kpis[k] : 0));
  await db.query(
    `INSERT INTO kpi_daily_breakdown (tenant_id, kpi_date, dimension, group_key, group_label, ${KPI_KEYS.join(', ')}, computed_at)
     VALUES ($1, $2, $3, $4, $5, ${KPI_KEYS.map((_, i) => `$${i + 6}`).join(', ')}, '2026-01-26T06:00:00Z')`,
    [tenantId, day, dimension, key, label, ...values],
  );
}

export const TABLE_NAMES = [
  'fact_tickets',
  'fact_time_entries',
  'kpi_daily',
  'kpi_daily_by_client',
  'kpi_daily_by_technician',
  'kpi_daily_by_priority',
  'dim_client',
  'dim_technician',
  'dim_date',
  'dim_config',
] as const;

export function currentFile(exportsPath: string, tenantId: string, name: string): string {
  return join(exportsPath, tenantId, 'current', name);
}

/** Client names that spreadsheet software would evaluate, and a name that needs RFC 4180 quoting. */
export const TRICKY_CLIENTS = [
  { id: 'C1', name: '=HYPERLINK("x")' },
  { id: 'C2', name: '+1' },
  { id: 'C3', name: '-2' },
  { id: 'C4', name: '@x' },
  { id: 'C5', name: 'Acme, "Quoted"\r\nSecond line' },
  { id: 'C6', name: 'Ünïcødé 東京 €' },
] as const;

/**
 * The known data set of tenant PARIS (Europe/Paris, UTC+1 in January), shaped after the worked
 * example of kpis.md, plus one ticket of tenant OTHER that must never appear in PARIS's files.
 */
export async function seedKnownData(db: Database): Promise<void> {
  // A: created 2026-01-23T23:30Z = local 2026-01-24 00:30 → created_date 2026-01-24.
  await insertTicket(db, PARIS, {
    external_id: 'A',
    created_at: '2026-01-23T23:30:00Z',
    client_id: 'C1',
    client_name: 'old name',
    technician_id: 'U1',
    technician_name: 'Tech One',
    priority: 'P1',
    status: 'Open',
    summary: 'first version',
    first_response_at: '2026-01-24T00:15:00Z',
    sla_response_due_at: '2026-01-24T00:30:00Z',
  });
  // B: opened on 01-24, closed 2026-01-24T23:15Z = local 01-25 00:15 → closed_date 2026-01-25.
  await insertTicket(db, PARIS, {
    external_id: 'B',
    created_at: '2026-01-24T22:45:00Z',
    closed_at: '2026-01-24T23:15:00Z',
    client_id: 'C2',
    client_name: '+1',
    technician_id: 'U2',
    technician_name: 'Tech Two',
    priority: 'P2',
    status: 'Closed',
    summary: '-5 degrees in the server room',
    sla_resolution_met: false,
    reopen_count: 2,
  });
  await insertTicket(db, PARIS, {
    external_id: 'C',
    created_at: '2026-01-10T08:00:00Z',
    client_id: 'C3',
    client_name: '-2',
    priority: null,
    summary: '@channel outage',
    first_response_at: '2026-01-10T09:30:00Z',
    sla_response_met: true,
  });
  await insertTicket(db, PARIS, { external_id: 'D', created_at: '2026-01-12T08:00:00Z', client_id: 'C4', client_name: '@x' });
  await insertTicket(db, PARIS, {
    external_id: 'E',
    created_at: '2026-01-13T08:00:00Z',
    client_id: 'C5',
    client_name: TRICKY_CLIENTS[4].name,
  });
  await insertTicket(db, PARIS, {
    external_id: 'F',
    created_at: '2026-01-14T08:00:00Z',
    client_id: 'C6',
    client_name: TRICKY_CLIENTS[5].name,
  });
  // No client, no technician: the "(none)" group; closed before created (a bad record): no duration.
  await insertTicket(db, PARIS, { external_id: 'G', created_at: '2026-01-15T08:00:00Z', closed_at: '2026-01-15T07:00:00Z' });
  // Re-ingesting A (an upsert) must still give one row, with the new values.
  await insertTicket(db, PARIS, {
    external_id: 'A',
    created_at: '2026-01-23T23:30:00Z',
    client_id: 'C1',
    client_name: '=HYPERLINK("x")',
    technician_id: 'U1',
    technician_name: 'Tech One',
    priority: 'P1',
    status: 'Open',
    summary: 'second version',
    first_response_at: '2026-01-24T00:15:00Z',
    sla_response_due_at: '2026-01-24T00:30:00Z',
  });

  // Entry with both work_date and started_at: work_date wins (2026-01-24).
  await insertEntry(db, PARIS, {
    external_id: 'E1',
    technician_id: 'U1',
    technician_name: 'Tech One',
    hours_worked: 2.5,
    billable: true,
    hourly_rate: 100,
    work_date: '2026-01-24',
    started_at: '2026-01-24T23:30:00Z',
    ticket_external_id: 'A',
    client_id: 'C1',
  });
  // No work_date: local date of 2026-01-24T23:30Z in Paris is 2026-01-25.
  await insertEntry(db, PARIS, {
    external_id: 'E2',
    technician_id: 'U2',
    technician_name: 'Tech Two',
    hours_worked: 1.25,
    billable: false,
    started_at: '2026-01-24T23:30:00Z',
    ended_at: '2026-01-25T00:45:00Z',
  });
  // No client of its own: the client of its ticket (B → C2). Billed hours given, no rate.
  await insertEntry(db, PARIS, {
    external_id: 'E3',
    technician_id: 'U2',
    hours_worked: 0.75,
    billable: true,
    hours_billed: 1,
    ticket_external_id: 'B',
    work_date: '2026-01-24',
  });
  await insertEntry(db, PARIS, {
    external_id: 'E4',
    technician_id: 'U3',
    technician_name: 'Tech Three',
    hours_worked: 4,
    billable: true,
    hourly_rate: 80.5,
    work_date: '2026-01-20',
    client_id: 'C6',
    client_name: TRICKY_CLIENTS[5].name,
  });

  await insertKpiDaily(db, PARIS, '2026-01-24', {
    tickets_opened: 2,
    tickets_closed: 6,
    net_flow: -4,
    kill_rate_pct: 300,
    backlog_open: 7,
    first_response_count: 1,
    first_response_avg_minutes: 45.005,
    first_response_median_minutes: 1.005,
    resolution_avg_hours: 2 / 3,
    resolution_median_hours: null,
    sla_response_met: 1,
    sla_response_pct: 100,
    same_day_close_pct: 33.333333333,
    reopen_rate_pct: null,
    hours_worked: 3.25,
    hours_billable: 3.25,
    hours_billed: 3.5,
    billable_ratio_pct: 100,
    active_technicians: 2,
    capacity_hours: 16,
    utilization_pct: 20.3125,
    billable_amount: 250,
    effective_hourly_rate: 76.92307692,
    tickets_closed_per_technician: 3,
  });
  await insertKpiDaily(db, PARIS, '2026-01-25', { tickets_closed: 1, net_flow: -1, hours_worked: 1.25, kill_rate_pct: null });

  await insertKpiBreakdown(db, PARIS, '2026-01-24', 'client', 'C1', '=HYPERLINK("x")', { tickets_opened: 1, kill_rate_pct: 12.345 });
  await insertKpiBreakdown(db, PARIS, '2026-01-24', 'client', null, '(none)', { tickets_opened: 1, net_flow: -3 });
  await insertKpiBreakdown(db, PARIS, '2026-01-24', 'technician', 'U1', 'Tech One', { hours_worked: 2.5, capacity_hours: 8 });
  await insertKpiBreakdown(db, PARIS, '2026-01-24', 'priority', 'P1', 'P1', { tickets_opened: 1, capacity_hours: null });
  // A key known only from the KPI breakdown still gets a dimension row.
  await insertKpiBreakdown(db, PARIS, '2026-01-25', 'client', 'C9', 'Only In Kpis', { tickets_closed: 1 });

  await insertTicket(db, OTHER, { external_id: 'OTHER-1', created_at: '2025-06-01T00:00:00Z', client_id: 'X1', client_name: 'Elsewhere' });
}
