import type { Entity, Source } from './canonical.js';
import type { StoredRecord } from './stored-row.js';
import { TICKET_FIELDS, TIME_ENTRY_FIELDS } from './validate.js';

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

/** The canonical fields of each entity, in the order of the COPY's columns (updated_at is stored as source_updated_at). */
const FIELDS: Record<Entity, readonly string[]> = { tickets: TICKET_FIELDS, time_entries: TIME_ENTRY_FIELDS };
const columnOf = (field: string) => (field === 'updated_at' ? 'source_updated_at' : field);
/** What the jsonb path's COALESCE gives a missing value. */
const DEFAULTS: Readonly<Record<string, Value>> = { reopen_count: 0, non_service_desk: false };

// The batch's constant columns come last, so that every row ends with the same text.
const TRAILING_COLUMNS = ['payload', 'record_hash', 'tenant_id', 'source', 'last_run_id'];

const COPY_SQL: Record<Entity, string> = {
  tickets: `COPY raw_tickets (${[...TICKET_FIELDS.map(columnOf), ...TRAILING_COLUMNS].join(', ')}) FROM STDIN`,
  time_entries: `COPY raw_time_entries (${[...TIME_ENTRY_FIELDS.map(columnOf), ...TRAILING_COLUMNS].join(', ')}) FROM STDIN`,
};

export function copyStatement(entity: Entity): string {
  return COPY_SQL[entity];
}

/**
 * The COPY data of `records`, one row each, in the order given, as UTF-8 bytes. Each row is encoded
 * straight into one buffer: joining the rows into one string first, then encoding that for the
 * socket, cost four times as much (measured in docs/benchmarks.md, sync row).
 */
export function copyRows(entity: Entity, batch: { tenantId: string; source: Source; runId: string }, records: StoredRecord[]): Buffer {
  const trailer = `\t${batch.tenantId}\t${batch.source}\t${batch.runId}\n`;
  const lines = new Array<string>(records.length);
  const fields = FIELDS[entity];
  let size = 0;
  for (let i = 0; i < records.length; i += 1) {
    const record = records[i]!;
    // Read by name: a validated record's fields are all scalars or null (validate.ts).
    const canonical = record.canonical as unknown as Readonly<Record<string, Value>>;
    let line = '';
    for (const name of fields) line += `${field(canonical[name] ?? DEFAULTS[name])}\t`;
    line += `${payloadField(record.payloadJson)}\t${record.record_hash}${trailer}`;
    lines[i] = line;
    // Sized exactly: an upper bound (three bytes per UTF-16 unit) left V8 counting three times the
    // memory held outside its heap, and collecting sooner for it.
    size += Buffer.byteLength(line);
  }
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const line of lines) offset += bytes.write(line, offset);
  return bytes;
}
