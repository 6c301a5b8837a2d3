/**
 * RFC 3339 instants and calendar dates of canonical records (contract.md § Canonical records).
 *
 * `parseInstant` is the reference parser. Every ingested record carries several instants, nearly
 * all of them in the shape `toISOString()` itself writes, so `fastNormalizedInstant` reads the
 * common shapes without a regular expression or intermediate arrays; it never rejects anything,
 * it only answers what `parseInstant` would, or hands over to it.
 */

import { isCalendarDate, isMonthDay } from '../kpi/dates.js';

/** Instants outside these years are rejected: they are PSA null sentinels or typos, never real work. */
const MIN_YEAR = 1970;
const MAX_YEAR = 2999;

const INSTANT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 instant (offset or Z required) into epoch milliseconds, or explains why not.
 * Written by hand because `Date.parse` accepts offset-less strings (read as local time) and rolls
 * impossible dates such as 2026-02-30 over into March.
 */
export function parseInstant(value: string): { ms: number } | { error: string } {
  const m = INSTANT_PATTERN.exec(value);
  if (!m) return { error: 'is not an RFC 3339 instant with an offset or Z (e.g. 2026-01-24T09:30:00Z)' };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (!isMonthDay(year, month, day)) return { error: 'is not a real calendar date' };
  if (hour > 23 || minute > 59 || second > 59) return { error: 'has an impossible time of day' };
  if (year < MIN_YEAR || year > MAX_YEAR) return { error: `is outside the years ${MIN_YEAR}..${MAX_YEAR} (a null sentinel?)` };
  let offsetMinutes = 0;
  if (!m[8]) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return { error: 'has an impossible UTC offset' };
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // Sub-millisecond digits (HaloPSA sends seven) are truncated: PostgreSQL keeps microseconds, but
  // every consumer of these records works in milliseconds.
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  return { ms: Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000 };
}

/** Normalises an RFC 3339 instant to `YYYY-MM-DDTHH:mm:ss.sssZ`, or returns null when invalid. */
export function normalizeInstant(value: string): string | null {
  const fast = fastNormalizedInstant(value);
  if (fast !== undefined) return fast;
  const parsed = parseInstant(value);
  return 'ms' in parsed ? new Date(parsed.ms).toISOString() : null;
}

/** A calendar date of a record: a real day (kpi/dates.ts, the one calendar rule) within the accepted years. */
export function isRecordDate(value: string): boolean {
  if (!isCalendarDate(value)) return false;
  const year = Number(value.slice(0, 4));
  return year >= MIN_YEAR && year <= MAX_YEAR;
}

// ---------------------------------------------------------------------------------------------
// Fast path

const CHAR_0 = 48;
const CHAR_9 = 57;
const DASH = 45;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const UPPER_T = 84;
const UPPER_Z = 90;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The value of `length` ASCII digits at `start`, or -1 when any of them is not a digit. */
function digitsAt(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < CHAR_0 || code > CHAR_9) return -1;
    value = value * 10 + (code - CHAR_0);
  }
  return value;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * `normalizeInstant(value)` for the shapes `YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)` with a valid
 * value; undefined for anything else (other separators, lower case, any invalid part), which the
 * caller then gives to `parseInstant` so that rejections keep their exact reasons.
 */
export function fastNormalizedInstant(text: string): string | undefined {
  const length = text.length;
  if (
    length < 20 ||
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    text.charCodeAt(10) !== UPPER_T ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  // -1 (not digits) fails the lower bounds too.
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (day > (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month]!)) return undefined;

  let end = 19; // one past the seconds, then past the fraction
  let millis = 0;
  if (text.charCodeAt(19) === DOT) {
    end = 20;
    while (end < length) {
      const code = text.charCodeAt(end);
      if (code < CHAR_0 || code > CHAR_9) break;
      if (end < 23) millis += (code - CHAR_0) * (end === 20 ? 100 : end === 21 ? 10 : 1);
      end += 1;
    }
    if (end === 20) return undefined;
  }

  if (end === length - 1 && text.charCodeAt(end) === UPPER_Z) {
    // Already the normal form: the common case costs no allocation at all.
    if (end === 23) return text;
    return `${text.slice(0, 19)}.${String(millis).padStart(3, '0')}Z`;
  }
  if (end === length - 6 && text.charCodeAt(end + 3) === COLON) {
    const sign = text.charCodeAt(end);
    const offsetHours = digitsAt(text, end + 1, 2);
    const offsetMinutes = digitsAt(text, end + 4, 2);
    if ((sign !== PLUS && sign !== DASH) || offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59)
      return undefined;
    const offset = (sign === DASH ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset * 60_000).toISOString();
  }
  return undefined;
}
