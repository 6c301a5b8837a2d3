/**
 * What a PSA mapper builds: a canonical record in the making, plus where each field came from.
 *
 * Mappers only translate shapes; they do not judge values. Every value goes on to validate.ts,
 * which names the canonical field and, thanks to `label`, the native field it was read from
 * (`created_at (_info.dateEntered): "2026-13-45…" is not a real calendar date`).
 */
import type { PsaLabels, PsaRates } from '../canonical.js';
import { parseInstant } from '../instants.js';

export type NativeObject = Record<string, unknown>;

/** What a mapper may know beyond the record: the tenant's labels and rates for this source. */
export interface MapContext {
  labels?: PsaLabels;
  rates?: PsaRates;
}

export class CanonicalDraft {
  readonly values: Record<string, unknown> = {};
  readonly warnings: string[] = [];
  /** Set when the record is not what is being ingested (e.g. an action without time): why. */
  skipReason: string | null = null;
  private readonly origins: Record<string, string> = {};

  set(field: string, value: unknown, origin: string): void {
    this.values[field] = value;
    this.origins[field] = origin;
  }

  skip(reason: string): void {
    this.skipReason = reason;
  }

  /** The native field a canonical field was read from (the field itself when unknown). */
  originOf(field: string): string {
    return this.origins[field] ?? field;
  }

  readonly label = (field: string): string => {
    const origin = this.origins[field];
    return origin && origin !== field ? `${field} (${origin})` : field;
  };
}

export function asObject(value: unknown): NativeObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as NativeObject) : null;
}

/** A nested reference such as ConnectWise's `company: {id, identifier, name}`. */
export function refOf(record: NativeObject, key: string): NativeObject | null {
  return asObject(record[key]);
}

export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');
}

/** The first present value of several candidate fields, with the name of the one used. */
export function firstPresent(record: NativeObject, keys: readonly string[]): { value: unknown; key: string } {
  for (const key of keys) {
    if (isPresent(record[key])) return { value: record[key], key };
  }
  return { value: null, key: keys[0] ?? '' };
}

/** Numbers that some integrations send as numeric strings (Autotask UDF values always are). */
export function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

/**
 * Reads a reopen count kept in a PSA custom field. None of the three PSAs has a native reopen
 * counter, so the count lives in a custom field whose name is a convention (mock-data/README.md).
 * A value that is not a whole number >= 0 is ignored with a warning rather than losing the ticket.
 */
export function reopenCountFrom(draft: CanonicalDraft, raw: unknown, origin: string): void {
  if (!isPresent(raw)) return;
  const count = numberOrNull(raw);
  if (count === null || !Number.isSafeInteger(count) || count < 0) {
    draft.warnings.push(`reopen_count (${origin}): ignored ${JSON.stringify(raw)}, not a whole number >= 0`);
    return;
  }
  draft.set('reopen_count', count, origin);
}

/**
 * The label of a picklist value or reference id from the labels map. The field name is matched
 * exactly, else case-insensitively (`queueID` / `queueid`); the raw value as text (`2` → "2").
 */
export function labelOf(labels: PsaLabels | undefined, field: string, raw: unknown): string | null {
  if (!labels || (typeof raw !== 'number' && typeof raw !== 'string')) return null;
  let values = Object.hasOwn(labels, field) ? labels[field] : undefined;
  if (!values) {
    const wanted = field.toLowerCase();
    const key = Object.keys(labels).find((k) => k.toLowerCase() === wanted);
    values = key === undefined ? undefined : labels[key];
  }
  const key = String(raw).trim();
  const label = values && Object.hasOwn(values, key) ? values[key] : undefined;
  return typeof label === 'string' && label.trim() !== '' ? label : null;
}

/**
 * A "first response" this close to the creation is no response (docs/psa-mapping.md): PSAs stamp
 * it when a ticket is created straight into a responded status or by its own requester's agent,
 * and a response stamped before the creation is clock noise. Such a ticket has no first response.
 */
const NO_RESPONSE_WITHIN_SECONDS = 60;

/** Applies the rule above to a ticket draft; call it once created_at and first_response_at are set. */
export function dropInstantResponse(draft: CanonicalDraft): void {
  const created = draft.values.created_at;
  const responded = draft.values.first_response_at;
  if (typeof created !== 'string' || typeof responded !== 'string') return;
  const c = parseInstant(created.trim());
  const r = parseInstant(responded.trim());
  if (!('ms' in c) || !('ms' in r)) return;
  if (r.ms - c.ms > NO_RESPONSE_WITHIN_SECONDS * 1000) return;
  const label = draft.label('first_response_at');
  const seconds = Math.round((r.ms - c.ms) / 1000);
  draft.set('first_response_at', null, draft.originOf('first_response_at'));
  draft.set('sla_response_met', null, 'first_response_at');
  draft.warnings.push(
    `${label}: ${JSON.stringify(responded)} is ${seconds} s after created_at (at most ${NO_RESPONSE_WITHIN_SECONDS} s, or before it): taken as no response`,
  );
}
