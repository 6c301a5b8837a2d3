/**
 * The physical reference for ingest: the same canonical records, validated and mapped by the
 * service's own mapper (so COPY writes exactly the rows the service would write), turned into CSV
 * lines for `COPY raw_tickets (…) FROM STDIN (FORMAT csv)`. Preparing the CSV is not timed.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Entity } from '../../src/ingest/canonical.js';
import { mapRecord } from '../../src/ingest/mappers/index.js';

/** Columns in the order of the service's upsert (src/ingest/ingest-store.ts), minus the defaults. */
export const COLUMNS: Record<Entity, { column: string; field: string | null }[]> = {
  tickets: [
    { column: 'tenant_id', field: null },
    { column: 'external_id', field: 'external_id' },
    { column: 'source', field: null },
    { column: 'summary', field: 'summary' },
    { column: 'client_id', field: 'client_id' },
    { column: 'client_name', field: 'client_name' },
    { column: 'technician_id', field: 'technician_id' },
    { column: 'technician_name', field: 'technician_name' },
    { column: 'board', field: 'board' },
    { column: 'priority', field: 'priority' },
    { column: 'status', field: 'status' },
    { column: 'created_at', field: 'created_at' },
    { column: 'first_response_at', field: 'first_response_at' },
    { column: 'closed_at', field: 'closed_at' },
    { column: 'sla_response_due_at', field: 'sla_response_due_at' },
    { column: 'sla_resolution_due_at', field: 'sla_resolution_due_at' },
    { column: 'sla_response_met', field: 'sla_response_met' },
    { column: 'sla_resolution_met', field: 'sla_resolution_met' },
    { column: 'reopen_count', field: 'reopen_count' },
    { column: 'source_updated_at', field: 'updated_at' },
    { column: 'payload', field: null },
    { column: 'record_hash', field: null },
  ],
  time_entries: [
    { column: 'tenant_id', field: null },
    { column: 'external_id', field: 'external_id' },
    { column: 'source', field: null },
    { column: 'technician_id', field: 'technician_id' },
    { column: 'technician_name', field: 'technician_name' },
    { column: 'ticket_external_id', field: 'ticket_external_id' },
    { column: 'client_id', field: 'client_id' },
    { column: 'client_name', field: 'client_name' },
    { column: 'work_type', field: 'work_type' },
    { column: 'started_at', field: 'started_at' },
    { column: 'ended_at', field: 'ended_at' },
    { column: 'work_date', field: 'work_date' },
    { column: 'hours_worked', field: 'hours_worked' },
    { column: 'hours_billed', field: 'hours_billed' },
    { column: 'hourly_rate', field: 'hourly_rate' },
    { column: 'billable', field: 'billable' },
    { column: 'source_updated_at', field: 'updated_at' },
    { column: 'payload', field: null },
    { column: 'record_hash', field: null },
  ],
};

export function columnList(entity: Entity): string {
  return COLUMNS[entity].map((c) => c.column).join(', ');
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''; // unquoted empty = NULL
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (text === '' || /[",\n\r]/.test(text)) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** One CSV line for a raw record, or null when the service would reject the record. */
export function csvLineOf(entity: Entity, tenantId: string, raw: unknown): string | null {
  const mapped = mapRecord('canonical', entity, raw);
  if (!mapped.ok) return null;
  const record = mapped.record as unknown as Record<string, unknown>;
  const hash = createHash('sha256').update(JSON.stringify(['canonical', raw, record])).digest('hex');
  const cells = COLUMNS[entity].map(({ column, field }) => {
    if (column === 'tenant_id') return tenantId;
    if (column === 'source') return 'canonical';
    if (column === 'payload') return csvCell(JSON.stringify(raw));
    if (column === 'record_hash') return hash;
    if (column === 'reopen_count') return csvCell(record.reopen_count ?? 0);
    return csvCell(field ? record[field] : null);
  });
  return `${cells.join(',')}\n`;
}

/** Writes the CSV of the given records; returns how many rows it holds (rejected records left out). */
export async function writeCsv(file: string, entity: Entity, tenantId: string, records: AsyncIterable<unknown> | Iterable<unknown>): Promise<number> {
  const out = createWriteStream(file);
  let rows = 0;
  for await (const raw of records) {
    const line = csvLineOf(entity, tenantId, raw);
    if (line === null) continue;
    rows += 1;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}
