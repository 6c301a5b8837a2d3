/**
 * Wall-clock arithmetic in one IANA time zone, without a date library: the generator plans work
 * days in the tenant's local time ("Jamie starts at 08:30") and writes UTC instants.
 */
import { addDays } from '../kpi/dates.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY_MS = 24 * HOUR;

export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  /** Offsets only change on whole UTC hours in the zones we use, so one lookup per hour suffices. */
  private readonly offsetByHour = new Map<number, number>();

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** Minutes to add to UTC to get local time at `utcMs` (e.g. +660 in Sydney in January). */
  offsetMinutes(utcMs: number): number {
    const hour = Math.floor(utcMs / HOUR);
    const cached = this.offsetByHour.get(hour);
    if (cached !== undefined) return cached;
    const at = hour * HOUR;
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(at)) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    const offset = Math.round((asUtc - at) / MINUTE);
    this.offsetByHour.set(hour, offset);
    return offset;
  }

  /** The UTC instant of `minuteOfDay` minutes after local midnight of `date` (may exceed 24 h). */
  toUtc(date: string, minuteOfDay: number): number {
    const local = dateToUtcMidnight(date) + minuteOfDay * MINUTE;
    const guess = local - this.offsetMinutes(local) * MINUTE;
    return local - this.offsetMinutes(guess) * MINUTE;
  }

  /** The local calendar date of an instant, `YYYY-MM-DD`. */
  localDate(utcMs: number): string {
    return new Date(utcMs + this.offsetMinutes(utcMs) * MINUTE).toISOString().slice(0, 10);
  }

  /** Minutes since local midnight of an instant. */
  localMinuteOfDay(utcMs: number): number {
    const local = utcMs + this.offsetMinutes(utcMs) * MINUTE;
    return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / MINUTE);
  }
}

export function dateToUtcMidnight(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

export { addDays };

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(dateToUtcMidnight(date)).getUTCDay();
}

/** Every date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) dates.push(date);
  return dates;
}
