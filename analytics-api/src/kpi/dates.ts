import { invalid } from '../errors.js';

/** Calendar dates as 'YYYY-MM-DD' strings: the only date form the KPI code handles. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const MAX_RANGE_DAYS = 366;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Whether the month has that day (any year: the callers bound the years by their own rules). */
export function isMonthDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Whether `value` is a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDate(value: unknown): value is string {
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  const year = Number(match?.[1]);
  return match !== null && year >= 1 && isMonthDay(year, Number(match[2]), Number(match[3]));
}

/** The date itself when it is a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function parseIsoDate(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) {
    throw invalid(`${field} must be a date written YYYY-MM-DD`, [{ field, detail: 'not YYYY-MM-DD' }]);
  }
  if (!isCalendarDate(value)) throw invalid(`${field} ${value} is not a calendar date`, [{ field, detail: 'no such date' }]);
  return value;
}

/** The ISO date `days` days after `date` (before, when negative). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (0 when equal); both are valid YYYY-MM-DD dates. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export interface DateRange {
  from: string;
  to: string;
}

export interface PeriodInput {
  date?: string;
  from?: string;
  to?: string;
}

/**
 * Validates a `date` or a `from`/`to` pair (inclusive, at most 366 days, from <= to). Returns
 * undefined when none is given, so that the caller can pick its default.
 */
export function parsePeriod(input: PeriodInput): (DateRange & { single: boolean }) | undefined {
  const hasDate = input.date !== undefined;
  const hasFrom = input.from !== undefined;
  const hasTo = input.to !== undefined;
  if (hasDate && (hasFrom || hasTo)) {
    throw invalid('give either date, or from and to, not both', [{ field: 'date', detail: 'combined with from/to' }]);
  }
  if (hasDate) {
    const date = parseIsoDate(input.date, 'date');
    return { from: date, to: date, single: true };
  }
  if (hasFrom !== hasTo) {
    const missing = hasFrom ? 'to' : 'from';
    throw invalid(`${missing} is required with ${hasFrom ? 'from' : 'to'}`, [{ field: missing, detail: 'missing' }]);
  }
  if (!hasFrom) return undefined;
  const from = parseIsoDate(input.from, 'from');
  const to = parseIsoDate(input.to, 'to');
  const span = daysBetween(from, to);
  if (span < 0) throw invalid(`from (${from}) is after to (${to})`, [{ field: 'from', detail: 'after to' }]);
  if (span + 1 > MAX_RANGE_DAYS) {
    throw invalid(`a range covers at most ${MAX_RANGE_DAYS} days; ${from}..${to} covers ${span + 1}`, [
      { field: 'to', detail: `more than ${MAX_RANGE_DAYS} days after from` },
    ]);
  }
  return { from, to, single: false };
}
