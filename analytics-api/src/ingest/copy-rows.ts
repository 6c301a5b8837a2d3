import type { CanonicalTicket, CanonicalTimeEntry, Entity, Source } from './canonical.js';
import type { StoredRecord } from './stored-row.js';

/**
 * Records that have no row yet, written by `COPY raw_… FROM STDIN` in COPY's text format instead of
 * the jsonb upsert (ingest-store.ts): measured in docs/benchmarks.md, PostgreSQL parses one text row
 * per record instead of one jsonb document for the batch and then a record set from it.
 *
 * The text format: columns separated by a tab, rows ended by a newline, `\N` for null, and a
 * backslash, tab, newline or carriage return inside a value written as a backslash escape. The
 * payload is JSON text, in which JSON.stringify has already escaped every control character: only
 * its backslashes need doubling. Values are the validated canonical ones (validate.ts: instants as
 * ISO strings, optional fields null), so each column reads what the jsonb path would have given it;
 * test/ingest/copy-rows.test.ts compares the rows both paths store.
 */

type Value = string | number | boolean | null | undefined;

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function field(value: Value): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

function payloadField(json: string): string {
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

const TICKET_COLUMNS = [
  'external_id',
  'summary',
  'client_id',
  'client_name',
  'technician_id',
  'technician_name',
  'board',
  'priority',
  'status',
  'created_at',
  'first_response_at',
  'closed_at',
  'sla_response_due_at',
  'sla_resolution_due_at',
  'sla_response_met',
  'sla_resolution_met',
  'reopen_count',
  'source_updated_at',
] as const;

function ticketFields(t: CanonicalTicket): Value[] {
  return [
    t.external_id,
    t.summary,
    t.client_id,
    t.client_name,
    t.technician_id,
    t.technician_name,
    t.board,
    t.priority,
    t.status,
    t.created_at,
    t.first_response_at,
    t.closed_at,
    t.sla_response_due_at,
    t.sla_resolution_due_at,
    t.sla_response_met,
    t.sla_resolution_met,
    t.reopen_count ?? 0,
    t.updated_at,
  ];
}

const TIME_ENTRY_COLUMNS = [
  'external_id',
  'technician_id',
  'technician_name',
  'ticket_external_id',
  'client_id',
  'client_name',
  'work_type',
  'started_at',
  'ended_at',
  'work_date',
  'hours_worked',
  'hours_billed',
  'hourly_rate',
  'billable',
  'non_service_desk',
  'currency',
  'source_updated_at',
] as const;

function timeEntryFields(e: CanonicalTimeEntry): Value[] {
  return [
    e.external_id,
    e.technician_id,
    e.technician_name,
    e.ticket_external_id,
    e.client_id,
    e.client_name,
    e.work_type,
    e.started_at,
    e.ended_at,
    e.work_date,
    e.hours_worked,
    e.hours_billed,
    e.hourly_rate,
    e.billable,
    e.non_service_desk ?? false,
    e.currency,
    e.updated_at,
  ];
}

// The batch's constant columns come last, so that every row ends with the same text.
const TRAILING_COLUMNS = ['payload', 'record_hash', 'tenant_id', 'source', 'last_run_id'];

const COPY_SQL: Record<Entity, string> = {
  tickets: `COPY raw_tickets (${[...TICKET_COLUMNS, ...TRAILING_COLUMNS].join(', ')}) FROM STDIN`,
  time_entries: `COPY raw_time_entries (${[...TIME_ENTRY_COLUMNS, ...TRAILING_COLUMNS].join(', ')}) FROM STDIN`,
};

export function copyStatement(entity: Entity): string {
  return COPY_SQL[entity];
}

/** The COPY text of `records`, one row each, in the order given. */
export function copyText(entity: Entity, batch: { tenantId: string; source: Source; runId: string }, records: StoredRecord[]): string {
  const trailer = `\t${batch.tenantId}\t${batch.source}\t${batch.runId}\n`;
  const lines: string[] = [];
  for (const record of records) {
    const values =
      entity === 'tickets' ? ticketFields(record.canonical as CanonicalTicket) : timeEntryFields(record.canonical as CanonicalTimeEntry);
    let line = '';
    for (const value of values) line += `${field(value)}\t`;
    lines.push(`${line}${payloadField(record.payloadJson)}\t${record.record_hash}${trailer}`);
  }
  return lines.join('');
}
