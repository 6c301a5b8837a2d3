/**
 * What a PSA mapper builds: a canonical record in the making, plus where each field came from.
 *
 * Mappers only translate shapes; they do not judge values. Every value goes on to validate.ts,
 * which names the canonical field and, thanks to `label`, the native field it was read from
 * (`created_at (_info.dateEntered): "2026-13-45…" is not a real calendar date`).
 */
export type NativeObject = Record<string, unknown>;

export class CanonicalDraft {
  readonly values: Record<string, unknown> = {};
  readonly warnings: string[] = [];
  private readonly origins: Record<string, string> = {};

  set(field: string, value: unknown, origin: string): void {
    this.values[field] = value;
    this.origins[field] = origin;
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
