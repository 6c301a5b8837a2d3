/**
 * PostgreSQL's jsonb cannot hold the NUL character (\u0000) nor unpaired UTF-16 surrogates; a
 * record carrying one would fail its whole batch. Such records are rejected, and their payload is
 * kept with those characters replaced by U+FFFD so that the rejection itself can be stored.
 */
const UNSTORABLE_ESCAPE = /\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i;
const UNSTORABLE_ESCAPE_GLOBAL = new RegExp(UNSTORABLE_ESCAPE.source, 'gi');

/** Why a record's JSON text (`JSON.stringify` of it) cannot be stored by PostgreSQL, or null when it can. */
export function unstorableReasonOfJson(text: string): string | null {
  // Every match starts with a backslash, which most records do not contain: one scan for it is
  // far cheaper than running the pattern.
  if (!text.includes('\\')) return null;
  return UNSTORABLE_ESCAPE.test(text) ? 'contains a NUL character or an unpaired surrogate, which PostgreSQL cannot store' : null;
}

export function storableCopy(value: unknown): unknown {
  const text = JSON.stringify(value ?? null);
  return UNSTORABLE_ESCAPE.test(text) ? JSON.parse(text.replace(UNSTORABLE_ESCAPE_GLOBAL, '\\ufffd')) : (value ?? null);
}
