/**
 * A direct, slow, obviously-correct reading of docs/kpis.md in TypeScript, independent of the
 * SQL: time zones come from the JavaScript Intl API (ICU), not from PostgreSQL. The property test
 * compares the stored KPIs with this on random data.
 */
import type { KpiKey } from '../../src/kpi/kpi-keys.js';
import type { EntryFixture, TicketFixture } from './helpers.js';

export type Values = Record<KpiKey, number | null>;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** local_date(x): the calendar date of instant x in the zone. */
export function localDate(instantMs: number, timezone: string): string {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timezone, formatter);
  }
  return formatter.format(new Date(instantMs));
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** start(D): the first instant whose local date is D (local midnight), found by bisection. */
export function dayStart(date: string, timezone: string): number {
  let low = Date.parse(`${date}T00:00:00Z`) - 16 * 3_600_000; // local date < D here
  let high = low + 32 * 3_600_000; // local date >= D here
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (localDate(mid, timezone) >= date) high = mid;
    else low = mid;
  }
  return high;
}

const ms = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  const lower = sorted[Math.floor(middle)]!;
  const upper = sorted[Math.ceil(middle)]!;
  return lower + (upper - lower) * (middle - Math.floor(middle));
}

const mean = (values: number[]): number | null => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const ratio = (part: number, whole: number, factor = 100): number | null => (whole === 0 ? null : (factor * part) / whole);

function verdict(flag: boolean | null | undefined, due: number | null, at: number): boolean | null {
  if (flag !== null && flag !== undefined) return flag;
  if (due !== null) return at <= due;
  return null;
}

export type Dimension = 'tenant' | 'client' | 'technician' | 'priority';

interface TicketView {
  t: TicketFixture;
  created: number;
  closed: number | null;
  responded: number | null;
}

interface EntryView {
  e: EntryFixture;
  day: string;
  client: string | null;
  priority: string | null;
}

export interface ReferenceGroup {
  key: string | null;
  values: Values;
}

/** The KPIs of one tenant for one day: the tenant level, or each group of a dimension. */
export function referenceDay(
  tickets: TicketFixture[],
  entries: EntryFixture[],
  timezone: string,
  capacity: number,
  date: string,
  dimension: Dimension,
): ReferenceGroup[] {
  const end = dayStart(addDays(date, 1), timezone);
  const views: TicketView[] = tickets.map((t) => ({ t, created: ms(t.created)!, closed: ms(t.closed), responded: ms(t.responded) }));
  const byId = new Map(tickets.map((t) => [t.id, t]));
  const entryViews: EntryView[] = entries.map((e) => {
    const linked = e.ticket ? byId.get(e.ticket) : undefined;
    return {
      e,
      day: e.workDate ?? localDate(ms(e.started)!, timezone),
      client: e.client ?? linked?.client ?? null,
      priority: linked?.priority ?? null,
    };
  });

  const ticketKey = (v: TicketView): string | null =>
    dimension === 'client'
      ? (v.t.client ?? null)
      : dimension === 'technician'
        ? (v.t.tech ?? null)
        : dimension === 'priority'
          ? (v.t.priority ?? null)
          : null;
  const entryKey = (v: EntryView): string | null =>
    dimension === 'client' ? v.client : dimension === 'technician' ? v.e.tech : dimension === 'priority' ? v.priority : null;

  const opened = views.filter((v) => localDate(v.created, timezone) === date);
  const closed = views.filter((v) => v.closed !== null && localDate(v.closed, timezone) === date);
  const responded = views.filter((v) => v.responded !== null && localDate(v.responded, timezone) === date);
  const backlog = views.filter((v) => v.created < end && (v.closed === null || v.closed >= end));
  const dayEntries = entryViews.filter((v) => v.day === date);

  const keys = new Set<string | null>();
  if (dimension === 'tenant') keys.add(null);
  else {
    for (const v of [...opened, ...closed, ...responded, ...backlog]) keys.add(ticketKey(v));
    for (const v of dayEntries) keys.add(entryKey(v));
  }

  return [...keys].map((key) => {
    const mine = <T>(list: T[], keyOf: (item: T) => string | null) =>
      dimension === 'tenant' ? list : list.filter((item) => keyOf(item) === key);
    const o = mine(opened, ticketKey);
    const c = mine(closed, ticketKey);
    const r = mine(responded, ticketKey);
    const b = mine(backlog, ticketKey);
    const en = mine(dayEntries, entryKey);

    const ages = b.map((v) => Math.floor((end - v.created) / 86_400_000));
    const responseMinutes = r.filter((v) => v.responded! >= v.created).map((v) => (v.responded! - v.created) / 60_000);
    const resolutionHours = c.filter((v) => v.closed! >= v.created).map((v) => (v.closed! - v.created) / 3_600_000);
    const responseVerdicts = r.map((v) => verdict(v.t.responseMet, ms(v.t.responseDue), v.responded!));
    const resolutionVerdicts = c.map((v) => verdict(v.t.resolutionMet, ms(v.t.resolutionDue), v.closed!));
    const respMet = responseVerdicts.filter((x) => x === true).length;
    const respBreached = responseVerdicts.filter((x) => x === false).length;
    const resMet = resolutionVerdicts.filter((x) => x === true).length;
    const resBreached = resolutionVerdicts.filter((x) => x === false).length;

    const billable = en.filter((v) => v.e.billable);
    const billedOf = (v: EntryView) => v.e.billed ?? v.e.hours;
    const hoursWorked = sum(en.map((v) => v.e.hours));
    const hoursBillable = sum(billable.map((v) => v.e.hours));
    const hoursBilled = sum(billable.map(billedOf));
    const amount = sum(billable.filter((v) => v.e.rate !== null && v.e.rate !== undefined).map((v) => billedOf(v) * v.e.rate!));
    const active = new Set(en.map((v) => v.e.tech)).size;
    const hasCapacity = dimension === 'tenant' || dimension === 'technician';
    const capacityHours = active * capacity;

    const values: Values = {
      tickets_opened: o.length,
      tickets_closed: c.length,
      net_flow: o.length - c.length,
      kill_rate_pct: ratio(c.length, o.length),
      backlog_open: b.length,
      backlog_age_0_7d: ages.filter((a) => a <= 7).length,
      backlog_age_8_14d: ages.filter((a) => a >= 8 && a <= 14).length,
      backlog_age_15_30d: ages.filter((a) => a >= 15 && a <= 30).length,
      backlog_age_31d_plus: ages.filter((a) => a >= 31).length,
      first_response_count: r.length,
      first_response_avg_minutes: mean(responseMinutes),
      first_response_median_minutes: median(responseMinutes),
      resolution_avg_hours: mean(resolutionHours),
      resolution_median_hours: median(resolutionHours),
      sla_response_met: respMet,
      sla_response_breached: respBreached,
      sla_response_pct: ratio(respMet, respMet + respBreached),
      sla_resolution_met: resMet,
      sla_resolution_breached: resBreached,
      sla_resolution_pct: ratio(resMet, resMet + resBreached),
      same_day_close_pct: ratio(c.filter((v) => localDate(v.created, timezone) === date).length, c.length),
      reopen_rate_pct: ratio(c.filter((v) => (v.t.reopens ?? 0) > 0).length, c.length),
      hours_worked: hoursWorked,
      hours_billable: hoursBillable,
      hours_billed: hoursBilled,
      billable_ratio_pct: ratio(hoursBillable, hoursWorked),
      active_technicians: active,
      capacity_hours: hasCapacity ? capacityHours : null,
      utilization_pct: hasCapacity ? ratio(hoursBillable, capacityHours) : null,
      billable_amount: amount,
      effective_hourly_rate: ratio(amount, hoursWorked, 1),
      tickets_closed_per_technician: ratio(c.length, active, 1),
    };
    return { key, values };
  });
}
