/**
 * Validation of canonical records (contract.md § Canonical records).
 *
 * Every ingested record passes through here, whether it was pushed as `canonical` or produced by a
 * PSA mapper. The result is either the normalised record (every field present, optional ones as
 * null, instants as `toISOString()` strings) or the list of reasons it was rejected, each naming the
 * field. Oddities that the KPI definitions tolerate (kpis.md: a close or first response before the
 * creation is kept in counts) are reported as warnings, never as rejections.
 */
import type { CanonicalTicket, CanonicalTimeEntry, Entity } from './canonical.js';
import { fastNormalizedInstant, isRecordDate, parseInstant } from './instants.js';

export { isRecordDate, normalizeInstant, parseInstant } from './instants.js';

export type Validated<T> = { ok: true; record: T; warnings: string[] } | { ok: false; externalId: string | null; reasons: string[] };

export interface ValidateOptions {
  /**
   * How a canonical field is named in reasons and warnings. Mappers pass one that adds the native
   * field, e.g. `created_at (_info.dateEntered)`, so a rejected native record says what to fix.
   */
  fieldLabel?: (field: string) => string;
  /** Warn about fields the contract does not define (typos such as `create_at`). Default true. */
  warnUnknownFields?: boolean;
}

/** Identifiers (external_id, client_id, technician_id, ticket_external_id) are at most this long. */
const MAX_ID_LENGTH = 200;
/** Free-text fields are cut to this many characters (with a warning), never rejected for length. */
const MAX_TEXT_LENGTH = 500;
/** Upper bounds of the numeric columns in raw_time_entries, so a record can never overflow a batch. */
const MAX_HOURS_BILLED = 999_999;
const MAX_HOURLY_RATE = 99_999_999;
const MAX_REOPEN_COUNT = 2_147_483_647;

export const TICKET_FIELDS = [
  'external_id',
  'created_at',
  'summary',
  'client_id',
  'client_name',
  'technician_id',
  'technician_name',
  'board',
  'priority',
  'status',
  'first_response_at',
  'closed_at',
  'sla_response_due_at',
  'sla_resolution_due_at',
  'sla_response_met',
  'sla_resolution_met',
  'reopen_count',
  'updated_at',
] as const satisfies readonly (keyof CanonicalTicket)[];

export const TIME_ENTRY_FIELDS = [
  'external_id',
  'technician_id',
  'hours_worked',
  'billable',
  'started_at',
  'work_date',
  'ended_at',
  'technician_name',
  'ticket_external_id',
  'client_id',
  'client_name',
  'hours_billed',
  'hourly_rate',
  'work_type',
  'updated_at',
  'non_service_desk',
  'currency',
] as const satisfies readonly (keyof CanonicalTimeEntry)[];

const TICKET_FIELD_SET: ReadonlySet<string> = new Set(TICKET_FIELDS);
const TIME_ENTRY_FIELD_SET: ReadonlySet<string> = new Set(TIME_ENTRY_FIELDS);

// ---------------------------------------------------------------------------------------------
// Field checks: each reads one field, records problems, and returns the normalised value.

class FieldChecker {
  readonly reasons: string[] = [];
  readonly warnings: string[] = [];

  constructor(
    private readonly input: Record<string, unknown>,
    private readonly label: (field: string) => string,
  ) {}

  private reject(field: string, message: string): null {
    this.reasons.push(`${this.label(field)}: ${message}`);
    return null;
  }

  warn(field: string, message: string): void {
    this.warnings.push(`${this.label(field)}: ${message}`);
  }

  labelOf(field: string): string {
    return this.label(field);
  }

  /** True when the field is missing, null or a blank string. */
  isAbsent(field: string): boolean {
    return this.present(field) === null;
  }

  /** null for absent, null and (for strings) blank values. */
  private present(field: string): unknown {
    const value = this.input[field];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' && value.trim() === '') return null;
    return value;
  }

  /** PSA ids are often integers; they are accepted and stored as strings. */
  id(field: string, required: boolean): string | null {
    const value = this.present(field);
    if (value === null) return required ? this.reject(field, 'is required') : null;
    let text: string;
    if (typeof value === 'string') text = value.trim();
    else if (typeof value === 'number' && Number.isSafeInteger(value)) text = String(value);
    else return this.reject(field, `must be a string (or an integer), got ${describe(value)}`);
    if (text.length > MAX_ID_LENGTH) return this.reject(field, `must be at most ${MAX_ID_LENGTH} characters, got ${text.length}`);
    return text;
  }

  text(field: string): string | null {
    const value = this.present(field);
    if (value === null) return null;
    if (typeof value !== 'string') return this.reject(field, `must be a string, got ${describe(value)}`);
    const text = value.trim();
    // A string never has more code points than UTF-16 units: short ones need no splitting.
    if (text.length <= MAX_TEXT_LENGTH) return text;
    const chars = Array.from(text);
    if (chars.length <= MAX_TEXT_LENGTH) return text;
    this.warn(field, `cut to ${MAX_TEXT_LENGTH} characters (was ${chars.length})`);
    return chars.slice(0, MAX_TEXT_LENGTH).join('');
  }

  instant(field: string, required: boolean): string | null {
    const value = this.present(field);
    if (value === null) return required ? this.reject(field, 'is required') : null;
    if (typeof value !== 'string') return this.reject(field, `must be an RFC 3339 string, got ${describe(value)}`);
    const text = value.trim();
    const fast = fastNormalizedInstant(text);
    if (fast !== undefined) return fast;
    const parsed = parseInstant(text);
    if ('error' in parsed) return this.reject(field, `${describe(value)} ${parsed.error}`);
    return new Date(parsed.ms).toISOString();
  }

  date(field: string): string | null {
    const value = this.present(field);
    if (value === null) return null;
    if (typeof value !== 'string' || !isRecordDate(value.trim())) {
      return this.reject(field, `must be a real calendar date YYYY-MM-DD, got ${describe(value)}`);
    }
    return value.trim();
  }

  boolean(field: string, required: boolean): boolean | null {
    const value = this.input[field];
    if (value === undefined || value === null) return required ? this.reject(field, 'is required') : null;
    if (typeof value !== 'boolean') return this.reject(field, `must be true or false, got ${describe(value)}`);
    return value;
  }

  number(field: string, required: boolean, min: number, max: number): number | null {
    const value = this.input[field];
    if (value === undefined || value === null) return required ? this.reject(field, 'is required') : null;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.reject(field, `must be a number, got ${describe(value)}`);
    if (value < min || value > max) return this.reject(field, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  /** An ISO 4217 code such as "EUR"; lower case is accepted and upper-cased. */
  currency(field: string): string | null {
    const value = this.present(field);
    if (value === null) return null;
    if (typeof value !== 'string' || !/^[A-Za-z]{3}$/.test(value.trim())) {
      return this.reject(field, `must be a three-letter ISO 4217 currency code, got ${describe(value)}`);
    }
    return value.trim().toUpperCase();
  }

  reopenCount(field: string): number {
    const value = this.input[field];
    if (value === undefined || value === null) return 0;
    // The column is a PostgreSQL integer: larger values would fail the whole batch.
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_REOPEN_COUNT) {
      this.reject(field, `must be a whole number from 0 to ${MAX_REOPEN_COUNT}, got ${describe(value)}`);
      return 0;
    }
    return value;
  }

  warnUnknownFields(known: ReadonlySet<string>): void {
    for (const key of Object.keys(this.input)) {
      if (!known.has(key)) this.warnings.push(`unknown field "${truncate(key, 60)}" ignored`);
    }
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** A short, safe rendering of an offending value for a reason. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(truncate(value, 60));
  return String(value);
}

function asRecordObject(input: unknown): Record<string, unknown> | null {
  return typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : null;
}

/** The external id as far as it can be read, so a rejection can still say which record it was. */
export function readableExternalId(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return truncate(value.trim(), MAX_ID_LENGTH);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

function notAnObject(): Validated<never> {
  return { ok: false, externalId: null, reasons: ['record must be a JSON object'] };
}

/**
 * Both arguments come from `instant()`: `toISOString()` strings with four-digit years (fixed width),
 * whose text order is their time order; '' stands for a missing required instant and never warns.
 */
function earlierThan(later: string | null, earlier: string | null): boolean {
  return later !== null && earlier !== null && earlier !== '' && later < earlier;
}

function finish<T>(check: FieldChecker, externalId: unknown, record: T): Validated<T> {
  if (check.reasons.length > 0) return { ok: false, externalId: readableExternalId(externalId), reasons: check.reasons };
  return { ok: true, record, warnings: check.warnings };
}

const plainLabel = (field: string) => field;

// ---------------------------------------------------------------------------------------------

export function validateTicket(input: unknown, options: ValidateOptions = {}): Validated<CanonicalTicket> {
  const object = asRecordObject(input);
  if (!object) return notAnObject();
  const check = new FieldChecker(object, options.fieldLabel ?? plainLabel);
  const record: CanonicalTicket = {
    external_id: check.id('external_id', true) ?? '',
    created_at: check.instant('created_at', true) ?? '',
    summary: check.text('summary'),
    client_id: check.id('client_id', false),
    client_name: check.text('client_name'),
    technician_id: check.id('technician_id', false),
    technician_name: check.text('technician_name'),
    board: check.text('board'),
    priority: check.text('priority'),
    status: check.text('status'),
    first_response_at: check.instant('first_response_at', false),
    closed_at: check.instant('closed_at', false),
    sla_response_due_at: check.instant('sla_response_due_at', false),
    sla_resolution_due_at: check.instant('sla_resolution_due_at', false),
    sla_response_met: check.boolean('sla_response_met', false),
    sla_resolution_met: check.boolean('sla_resolution_met', false),
    reopen_count: check.reopenCount('reopen_count'),
    updated_at: check.instant('updated_at', false),
  };
  // kpis.md keeps such tickets in counts and leaves them out of duration means: warn, never reject.
  if (earlierThan(record.closed_at ?? null, record.created_at)) check.warn('closed_at', 'is earlier than created_at');
  if (earlierThan(record.first_response_at ?? null, record.created_at)) check.warn('first_response_at', 'is earlier than created_at');
  if (options.warnUnknownFields !== false) check.warnUnknownFields(TICKET_FIELD_SET);
  return finish(check, object.external_id, record);
}

export function validateTimeEntry(input: unknown, options: ValidateOptions = {}): Validated<CanonicalTimeEntry> {
  const object = asRecordObject(input);
  if (!object) return notAnObject();
  const check = new FieldChecker(object, options.fieldLabel ?? plainLabel);
  const record: CanonicalTimeEntry = {
    external_id: check.id('external_id', true) ?? '',
    technician_id: check.id('technician_id', true) ?? '',
    hours_worked: check.number('hours_worked', true, 0, 24) ?? 0,
    billable: check.boolean('billable', true) ?? false,
    started_at: check.instant('started_at', false),
    work_date: check.date('work_date'),
    ended_at: check.instant('ended_at', false),
    technician_name: check.text('technician_name'),
    ticket_external_id: check.id('ticket_external_id', false),
    client_id: check.id('client_id', false),
    client_name: check.text('client_name'),
    hours_billed: check.number('hours_billed', false, 0, MAX_HOURS_BILLED),
    hourly_rate: check.number('hourly_rate', false, 0, MAX_HOURLY_RATE),
    work_type: check.text('work_type'),
    updated_at: check.instant('updated_at', false),
    non_service_desk: check.boolean('non_service_desk', false) ?? false,
    currency: check.currency('currency'),
  };
  if (check.isAbsent('started_at') && check.isAbsent('work_date')) {
    check.reasons.push(`${check.labelOf('started_at')} or ${check.labelOf('work_date')}: one of them is required`);
  }
  if (earlierThan(record.ended_at ?? null, record.started_at ?? null)) check.warn('ended_at', 'is earlier than started_at');
  if (options.warnUnknownFields !== false) check.warnUnknownFields(TIME_ENTRY_FIELD_SET);
  return finish(check, object.external_id, record);
}

export function validateCanonical(
  entity: Entity,
  input: unknown,
  options: ValidateOptions = {},
): Validated<CanonicalTicket | CanonicalTimeEntry> {
  return entity === 'tickets' ? validateTicket(input, options) : validateTimeEntry(input, options);
}
