/**
 * Breakdown rows for a date range, from the per-day groups of GET /v1/kpis/daily?group_by=…
 * Additive values (counts, hours, amounts) are summed over the days; ratios are recomputed from
 * those sums (never averaged); the backlog is a snapshot, so it is the value on the last day.
 */
import type { DailyItem, Kpis } from './types.js';
import { round2 } from './format.js';

export interface GroupRow {
  key: string | null;
  label: string;
  tickets_opened: number;
  tickets_closed: number;
  /** Open at the end of the range's last computed day. */
  backlog_open: number;
  first_response_count: number;
  /** Mean first response over the range: Σ(daily mean × daily count) / Σ count. */
  first_response_avg_minutes: number | null;
  sla_response_met: number;
  sla_response_breached: number;
  sla_response_pct: number | null;
  sla_resolution_met: number;
  sla_resolution_breached: number;
  sla_resolution_pct: number | null;
  hours_worked: number;
  hours_billable: number;
  billable_ratio_pct: number | null;
  /** Null when the API gives no capacity for this kind of group (clients). */
  capacity_hours: number | null;
  utilization_pct: number | null;
}

const num = (kpis: Kpis, key: string): number => {
  const v = kpis[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
};

const pct = (part: number, whole: number): number | null => (whole > 0 ? round2((100 * part) / whole) : null);

interface Acc {
  key: string | null;
  label: string;
  opened: number;
  closed: number;
  backlog: number;
  frCount: number;
  frWeighted: number;
  frWeight: number;
  respMet: number;
  respBreached: number;
  resMet: number;
  resBreached: number;
  worked: number;
  billable: number;
  capacity: number;
  hasCapacity: boolean;
}

function newAcc(key: string | null, label: string): Acc {
  return {
    key,
    label,
    opened: 0,
    closed: 0,
    backlog: 0,
    frCount: 0,
    frWeighted: 0,
    frWeight: 0,
    respMet: 0,
    respBreached: 0,
    resMet: 0,
    resBreached: 0,
    worked: 0,
    billable: 0,
    capacity: 0,
    hasCapacity: false,
  };
}

function add(acc: Acc, kpis: Kpis): void {
  acc.opened += num(kpis, 'tickets_opened');
  acc.closed += num(kpis, 'tickets_closed');
  const frCount = num(kpis, 'first_response_count');
  acc.frCount += frCount;
  const frAvg = kpis['first_response_avg_minutes'];
  if (typeof frAvg === 'number' && frCount > 0) {
    acc.frWeighted += frAvg * frCount;
    acc.frWeight += frCount;
  }
  acc.respMet += num(kpis, 'sla_response_met');
  acc.respBreached += num(kpis, 'sla_response_breached');
  acc.resMet += num(kpis, 'sla_resolution_met');
  acc.resBreached += num(kpis, 'sla_resolution_breached');
  acc.worked += num(kpis, 'hours_worked');
  acc.billable += num(kpis, 'hours_billable');
  const cap = kpis['capacity_hours'];
  if (typeof cap === 'number') {
    acc.capacity += cap;
    acc.hasCapacity = true;
  }
}

function finish(acc: Acc): GroupRow {
  const worked = round2(acc.worked);
  const billable = round2(acc.billable);
  const capacity = acc.hasCapacity ? round2(acc.capacity) : null;
  return {
    key: acc.key,
    label: acc.label,
    tickets_opened: acc.opened,
    tickets_closed: acc.closed,
    backlog_open: acc.backlog,
    first_response_count: acc.frCount,
    first_response_avg_minutes: acc.frWeight > 0 ? round2(acc.frWeighted / acc.frWeight) : null,
    sla_response_met: acc.respMet,
    sla_response_breached: acc.respBreached,
    sla_response_pct: pct(acc.respMet, acc.respMet + acc.respBreached),
    sla_resolution_met: acc.resMet,
    sla_resolution_breached: acc.resBreached,
    sla_resolution_pct: pct(acc.resMet, acc.resMet + acc.resBreached),
    hours_worked: worked,
    hours_billable: billable,
    billable_ratio_pct: pct(billable, worked),
    capacity_hours: capacity,
    utilization_pct: capacity === null ? null : pct(billable, capacity),
  };
}

const groupId = (key: string | null): string => (key === null ? '\u0000none' : `k:${key}`);

/** One row per group seen on any day of `items` (which must be sorted by date). */
export function aggregateGroups(items: readonly DailyItem[]): GroupRow[] {
  const accs = new Map<string, Acc>();
  const last = items[items.length - 1];
  for (const item of items) {
    for (const group of item.groups ?? []) {
      const id = groupId(group.key);
      const label = group.label ?? (group.key === null ? '(none)' : group.key);
      let acc = accs.get(id);
      if (!acc) accs.set(id, (acc = newAcc(group.key, label)));
      else acc.label = label;
      add(acc, group.kpis);
      if (item === last) acc.backlog = num(group.kpis, 'backlog_open');
    }
  }
  return [...accs.values()].map(finish);
}

/** The same sums over the tenant-level rows of a range (the tables' total line and chart captions). */
export function aggregateTotal(items: readonly DailyItem[], label = 'All'): GroupRow {
  const acc = newAcc(null, label);
  for (const item of items) add(acc, item.kpis);
  const last = items[items.length - 1];
  if (last) acc.backlog = num(last.kpis, 'backlog_open');
  return finish(acc);
}

/** Sums over the groups themselves (the tfoot line of a breakdown table). */
export function sumRows(rows: readonly GroupRow[], label: string): GroupRow {
  const acc = newAcc(null, label);
  for (const r of rows) {
    acc.opened += r.tickets_opened;
    acc.closed += r.tickets_closed;
    acc.backlog += r.backlog_open;
    acc.frCount += r.first_response_count;
    if (r.first_response_avg_minutes !== null && r.first_response_count > 0) {
      acc.frWeighted += r.first_response_avg_minutes * r.first_response_count;
      acc.frWeight += r.first_response_count;
    }
    acc.respMet += r.sla_response_met;
    acc.respBreached += r.sla_response_breached;
    acc.resMet += r.sla_resolution_met;
    acc.resBreached += r.sla_resolution_breached;
    acc.worked += r.hours_worked;
    acc.billable += r.hours_billable;
    if (r.capacity_hours !== null) {
      acc.capacity += r.capacity_hours;
      acc.hasCapacity = true;
    }
  }
  return finish(acc);
}
