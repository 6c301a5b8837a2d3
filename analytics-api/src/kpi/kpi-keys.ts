/**
 * The KPI keys of docs/kpis.md, in its order: the `kpis` object of the API, the
 * columns of kpi_daily / kpi_daily_breakdown and the columns of the exports all use these names.
 */
export const KPI_KEYS = [
  'tickets_opened',
  'tickets_closed',
  'net_flow',
  'kill_rate_pct',
  'backlog_open',
  'backlog_age_0_7d',
  'backlog_age_8_14d',
  'backlog_age_15_30d',
  'backlog_age_31d_plus',
  'first_response_count',
  'first_response_avg_minutes',
  'first_response_median_minutes',
  'resolution_avg_hours',
  'resolution_median_hours',
  'sla_response_met',
  'sla_response_breached',
  'sla_response_pct',
  'sla_resolution_met',
  'sla_resolution_breached',
  'sla_resolution_pct',
  'same_day_close_pct',
  'reopen_rate_pct',
  'hours_worked',
  'hours_billable',
  'hours_billed',
  'billable_ratio_pct',
  'active_technicians',
  'capacity_hours',
  'utilization_pct',
  'billable_amount',
  'effective_hourly_rate',
  'tickets_closed_per_technician',
] as const;

export type KpiKey = (typeof KPI_KEYS)[number];

/** Counts: integers, never rounded, never null. */
export const COUNT_KEYS: ReadonlySet<KpiKey> = new Set<KpiKey>([
  'tickets_opened',
  'tickets_closed',
  'net_flow',
  'backlog_open',
  'backlog_age_0_7d',
  'backlog_age_8_14d',
  'backlog_age_15_30d',
  'backlog_age_31d_plus',
  'first_response_count',
  'sla_response_met',
  'sla_response_breached',
  'sla_resolution_met',
  'sla_resolution_breached',
  'active_technicians',
]);

/**
 * Additive KPIs: their sum over the groups of any breakdown equals the tenant-level value
 * (kpis.md § Breakdowns). `active_technicians` is additive over technician groups only (it is a
 * distinct count), so it is not listed here.
 */
export const ADDITIVE_KEYS: readonly KpiKey[] = [
  ...[...COUNT_KEYS].filter((key) => key !== 'active_technicians'),
  'hours_worked',
  'hours_billable',
  'hours_billed',
  'billable_amount',
];

export type Kpis = Record<KpiKey, number | null>;

/**
 * Rounds to 2 decimals, half away from zero, as kpis.md § Numbers asks. The value is first read as
 * its shortest decimal form (what `String(x)` prints), so a stored 1.005 — which as a binary double is
 * 1.00499999999999989… — rounds to 1.01 like the decimal value it stands for, not to 1.00.
 * null stays null; so do NaN and ±Infinity (they never come out of the KPI SQL).
 */
export function roundKpi(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const magnitude = Math.abs(value);
  // Above 2^53 / 100 a double has no hundredths left to round.
  if (magnitude >= 9e13) return value;
  const [mantissa, exponent = '0'] = String(magnitude).split('e');
  const hundredths = Math.round(Number(`${mantissa}e${Number(exponent) + 2}`));
  const rounded = hundredths / 100;
  return value < 0 && rounded !== 0 ? -rounded : rounded;
}

/**
 * The `kpis` object of the API and the exports, from a row holding the KPI columns at full
 * precision: counts as integers, every other value rounded with roundKpi, nulls kept.
 * Keys are emitted in the spec's order.
 */
export function serializeKpis(row: Readonly<Record<string, unknown>>): Kpis {
  const kpis = {} as Kpis;
  for (const key of KPI_KEYS) {
    const raw = row[key];
    const value = raw === null || raw === undefined ? null : Number(raw);
    kpis[key] = value === null ? null : COUNT_KEYS.has(key) ? Math.round(value) : roundKpi(value);
  }
  return kpis;
}
