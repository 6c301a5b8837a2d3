import type { Queryable } from '../db/database.js';
import { configSql } from '../kpi/config.sql.js';
import { COUNT_KEYS, KPI_KEYS, roundKpi } from '../kpi/kpi-keys.js';
import { kpiSettings } from '../tenant-config/config-schema.js';
import { effectiveConfig } from '../tenant-config/effective-config.js';
import { boolean, date, daysSql, double, int32, localDateSql, millisSql, string, timestamp, type ColumnSpec, type Row } from './columns.js';
import type { Fact, MonthState } from './month-state.js';

/**
 * The star schema written for Power BI (docs/power-bi.md draws it). Each table is one SQL query
 * streamed through a cursor; `params` gives its parameters (usually $1 the tenant id and $2 the
 * tenant's time zone).
 *
 * Every table has a unique key, guaranteed by the database rather than by the export: raw records
 * are unique per (tenant, external_id), kpi_daily per (tenant, day), kpi_daily_breakdown per
 * (tenant, day, dimension, group) and the dimensions are GROUP BY / DISTINCT ON their key. Rows are
 * ordered by that key so that two exports of the same data are byte-identical.
 */
export interface TableContext {
  db: Queryable;
  tenantId: string;
  timezone: string;
  /** The fact months and the dimension names, as of the export's snapshot (month-state.ts). */
  months: MonthState;
  /** Every table reads the snapshot `months` was read in (PostgreSQL), not the data as it is when read. */
  oneSnapshot: boolean;
}

export interface TableSpec {
  name: string;
  description: string;
  /** The columns that identify a row (unique within the file). */
  key: readonly string[];
  columns: readonly ColumnSpec[];
  sql: string;
  /** The query's parameters; may query the database (before the table's cursor opens). */
  params: (ctx: TableContext) => readonly unknown[] | Promise<readonly unknown[]>;
  /** Adjusts a row in place before it is written (KPI rounding). */
  map?: (row: Row) => void;
  /**
   * A table as big as the tenant's history (the facts): its CSV alone is written from COPY on
   * PostgreSQL. Only for tables without `map` and with non-null parameters.
   */
  bulk?: true;
  /**
   * The timestamp column holding when each row's record last changed: the export's `data_as_of`
   * is the latest of them (see export-service.ts), read from the rows as they are written.
   */
  changedAt?: string;
  /**
   * A fact table written as one file per month (fact-months.ts): its query takes $4 and $5, the
   * first local day of a month and of the month after it (or of the first and after the last of
   * consecutive months), and orders its rows by month, then by key; `dateColumn` is the (never
   * empty) date column whose month is the row's. Its months and their fingerprints are those of
   * `fact` in the export's month state (month-state.ts).
   */
  months?: { fact: Fact; dateColumn: string };
}

const ms = millisSql;
const tenantOnly = (ctx: TableContext) => [ctx.tenantId];
/** $1 tenant, $2 time zone, $3 the KPI settings of the tenant's configuration (for the facts). */
const tenantZoneAndSettings = async (ctx: TableContext) => {
  // The settings do not depend on the capacity (kpiSettings leaves it out): any value will do.
  const { config } = await effectiveConfig(ctx.db, { id: ctx.tenantId, timezone: ctx.timezone, daily_capacity_hours: 8 });
  return [ctx.tenantId, ctx.timezone, JSON.stringify(kpiSettings(config))];
};
/** The configuration's effects (priority map, SLA targets and source, exclusions), as in the KPIs. */
/**
 * The facts read the configuration and the zone through scalar subqueries (InitPlans: evaluated once
 * per statement, even in parallel workers), not from $3 and $2 in each expression: on the COPY path
 * a parameter is current_setting() (db/copy-csv.ts), stable but not constant, so `$3::jsonb` parsed
 * the settings again for every expression of every row (300,000 tickets: 25 s instead of 1.8 s).
 */
const FACT_ZONE = '(SELECT $2::text)';
/**
 * The rule functions of migration 011 take the settings and the zone as arguments: a scalar subquery
 * there would stop the planner from inlining them (an argument used more than once must hold no
 * subquery), so the fact queries read both from a one-row subquery joined once (`p`, kept apart by
 * OFFSET 0 so that it is not pulled up and $3 parsed again per row).
 */
const FACT_PARAMS = '(SELECT $3::jsonb AS settings, $2::text AS zone OFFSET 0) AS p';
const cfg = configSql('p.settings');
/** The due instants of the SLA verdicts, as the KPIs compute them. */
const RESPONSE_DUE = `kpi_sla_due(p.settings, p.zone, t.created_at, kpi_priority(p.settings, t.priority), 'response_minutes', t.sla_response_met, t.sla_response_due_at)`;
const RESOLUTION_DUE = `kpi_sla_due(p.settings, p.zone, t.created_at, kpi_priority(p.settings, t.priority), 'resolution_hours', t.sla_resolution_met, t.sla_resolution_due_at)`;
const factLocalDate = (expression: string) => localDateSql(expression, FACT_ZONE);

/** SQL: the instant local midnight of a date parameter is in the tenant's time zone ($2). */
const localMidnight = (dateParam: string) => `(${dateParam}::date::timestamp AT TIME ZONE $2::text)`;
/**
 * SQL: the order of a fact's rows: by month (of the local date `date`), then by key. The key as an
 * expression no index provides (same values, same collation, same order): the months are read
 * through the date index and their rows sorted, instead of walking the primary key through the
 * tenant's whole history for each month, which the planner prefers for a cursor (fast start) or with
 * enable_sort off (the COPY path).
 */
const MONTH_ORDER = (date: string, key: string) => `date_trunc('month', ${date}), ${key} || ''`;
// ---------------------------------------------------------------------------------------------
// Facts

const FACT_TICKETS: TableSpec = {
  name: 'fact_tickets',
  description: 'one row per ticket; dates are local to the tenant time zone, instants are UTC',
  key: ['ticket_key'],
  columns: [
    string('ticket_key', false),
    string('client_key'),
    string('technician_key'),
    string('summary'),
    string('board'),
    string('priority'),
    string('status'),
    timestamp('created_at', false),
    timestamp('first_response_at'),
    timestamp('closed_at'),
    timestamp('sla_response_due_at'),
    timestamp('sla_resolution_due_at'),
    date('created_date', false),
    date('first_response_date'),
    date('closed_date'),
    boolean('sla_response_met'),
    boolean('sla_resolution_met'),
    int32('reopen_count', false),
    double('first_response_minutes'),
    double('resolution_hours'),
    timestamp('source_updated_at'),
    timestamp('modified_at', false),
  ],
  // The SLA columns are the KPI verdicts (kpis.md § SLA verdicts and the tenant's configuration):
  // the source's flag when it gave one, else the due date, else the configured target's (or only
  // the target with sla_source config_only); NULL when there is no verdict (no response / not
  // closed / no SLA). The due columns are the due instants those verdicts use; `priority` is the
  // normalized label (priority_map), as in kpi_daily_by_priority. Excluded tickets are left out.
  // Durations are NULL when negative (responded or closed before created), as in the KPIs: the SLA
  // and duration rules are the SQL functions of migration 011, which the KPI computation calls too.
  sql: `
SELECT t.external_id AS ticket_key,
       t.client_id AS client_key,
       t.technician_id AS technician_key,
       t.summary, t.board, ${cfg.normalizedPriority('t.priority')} AS priority, t.status,
       ${ms('t.created_at')} AS created_at,
       ${ms('t.first_response_at')} AS first_response_at,
       ${ms('t.closed_at')} AS closed_at,
       ${ms(RESPONSE_DUE)} AS sla_response_due_at,
       ${ms(RESOLUTION_DUE)} AS sla_resolution_due_at,
       ${daysSql(factLocalDate('t.created_at'))} AS created_date,
       ${daysSql(factLocalDate('t.first_response_at'))} AS first_response_date,
       ${daysSql(factLocalDate('t.closed_at'))} AS closed_date,
       CASE WHEN t.first_response_at IS NOT NULL
            THEN kpi_sla_verdict(p.settings, t.first_response_at, t.sla_response_met, ${RESPONSE_DUE}) END AS sla_response_met,
       CASE WHEN t.closed_at IS NOT NULL
            THEN kpi_sla_verdict(p.settings, t.closed_at, t.sla_resolution_met, ${RESOLUTION_DUE}) END AS sla_resolution_met,
       t.reopen_count,
       -- Durations to 2 decimals like every other value of the exports (numeric round: half away
       -- from zero, as roundKpi); the row is not mapped in JavaScript on the COPY path.
       round((date_part('epoch', kpi_elapsed(t.created_at, t.first_response_at)) / 60)::numeric, 2)::float8 AS first_response_minutes,
       round((date_part('epoch', kpi_elapsed(t.created_at, t.closed_at)) / 3600)::numeric, 2)::float8 AS resolution_hours,
       ${ms('t.source_updated_at')} AS source_updated_at,
       ${ms('t.changed_at')} AS modified_at
  FROM raw_tickets t
 CROSS JOIN ${FACT_PARAMS}
 WHERE t.tenant_id = $1::uuid AND t.deleted_at IS NULL AND ${cfg.ticketKept('t')}
   AND t.created_at >= ${localMidnight('$4')} AND t.created_at < ${localMidnight('$5')}
 ORDER BY ${MONTH_ORDER(factLocalDate('t.created_at'), 't.external_id')}`,
  params: tenantZoneAndSettings,
  bulk: true,
  changedAt: 'modified_at',
  months: { fact: 'tickets', dateColumn: 'created_date' },
};

const FACT_TIME_ENTRIES: TableSpec = {
  name: 'fact_time_entries',
  description:
    'one row per time entry; entry_date is work_date, else the local date of started_at; ' +
    'hours_billable, hours_billed and billable_amount are zero on non-billable entries so that their sums are the KPIs',
  key: ['time_entry_key'],
  columns: [
    string('time_entry_key', false),
    string('technician_key', false),
    string('client_key'),
    string('ticket_key'),
    string('work_type'),
    boolean('billable', false),
    double('hours_worked', false),
    double('hours_billable', false),
    double('hours_billed', false),
    double('hourly_rate'),
    double('billable_amount', false),
    timestamp('started_at'),
    timestamp('ended_at'),
    date('work_date'),
    date('entry_date', false),
    timestamp('source_updated_at'),
    timestamp('modified_at', false),
  ],
  // client_key falls back to the linked ticket's client, as the KPI breakdown by client does;
  // entries of an excluded client or work type are left out, as in the KPIs.
  sql: `
SELECT e.external_id AS time_entry_key,
       e.technician_id AS technician_key,
       COALESCE(e.client_id, t.client_id) AS client_key,
       e.ticket_external_id AS ticket_key,
       e.work_type,
       e.billable,
       e.hours_worked::float8 AS hours_worked,
       CASE WHEN e.billable THEN e.hours_worked ELSE 0 END::float8 AS hours_billable,
       CASE WHEN e.billable THEN COALESCE(e.hours_billed, e.hours_worked) ELSE 0 END::float8 AS hours_billed,
       e.hourly_rate::float8 AS hourly_rate,
       CASE WHEN e.billable AND e.hourly_rate IS NOT NULL
            THEN COALESCE(e.hours_billed, e.hours_worked) * e.hourly_rate ELSE 0 END::float8 AS billable_amount,
       ${ms('e.started_at')} AS started_at,
       ${ms('e.ended_at')} AS ended_at,
       ${daysSql('e.work_date')} AS work_date,
       ${daysSql(`COALESCE(e.work_date, ${factLocalDate('e.started_at')})`)} AS entry_date,
       ${ms('e.source_updated_at')} AS source_updated_at,
       ${ms('e.changed_at')} AS modified_at
  FROM raw_time_entries e
 CROSS JOIN ${FACT_PARAMS}
  LEFT JOIN raw_tickets t ON t.tenant_id = e.tenant_id AND t.external_id = e.ticket_external_id
 WHERE e.tenant_id = $1::uuid AND e.deleted_at IS NULL AND ${cfg.entryKept('e.work_type', 'COALESCE(e.client_id, t.client_id)')}
   AND NOT e.non_service_desk -- leave and internal charge codes: not in the KPIs, not in the facts
   AND (e.work_date >= $4::date AND e.work_date < $5::date
        OR e.work_date IS NULL AND e.started_at >= ${localMidnight('$4')} AND e.started_at < ${localMidnight('$5')})
 ORDER BY ${MONTH_ORDER(`COALESCE(e.work_date, ${factLocalDate('e.started_at')})`, 'e.external_id')}`,
  params: tenantZoneAndSettings,
  bulk: true,
  changedAt: 'modified_at',
  months: { fact: 'time_entries', dateColumn: 'entry_date' },
};

// ---------------------------------------------------------------------------------------------
// KPIs: stored at full precision, exported like the API serves them (counts as integers, every
// other value rounded half away from zero to 2 decimals by the KPI module's roundKpi).

const DOUBLE_KPI_KEYS = KPI_KEYS.filter((key) => !COUNT_KEYS.has(key));

const KPI_COLUMN_SPECS: ColumnSpec[] = KPI_KEYS.map((key) => (COUNT_KEYS.has(key) ? int32(key, false) : double(key)));

function roundKpis(row: Row): void {
  for (const key of DOUBLE_KPI_KEYS) {
    const value = row[key];
    row[key] = value === null || value === undefined ? null : roundKpi(Number(value));
  }
}

const KPI_DAILY: TableSpec = {
  name: 'kpi_daily',
  description: 'one row per local day of the tenant (the KPI keys of the API)',
  key: ['date_key'],
  columns: [date('date_key', false), ...KPI_COLUMN_SPECS, timestamp('computed_at', false), timestamp('data_as_of')],
  sql: `
SELECT ${daysSql('k.kpi_date')} AS date_key,
       ${KPI_KEYS.map((key) => `k.${key}`).join(', ')},
       ${ms('k.computed_at')} AS computed_at,
       ${ms('k.data_as_of')} AS data_as_of
  FROM kpi_daily k
 WHERE k.tenant_id = $1::uuid
 ORDER BY k.kpi_date`,
  params: tenantOnly,
  map: roundKpis,
};

/** Which configuration version each stored KPI day used, and whether a newer one is pending. */
const DIM_CONFIG: TableSpec = {
  name: 'dim_config',
  description:
    'one row per KPI day: the tenant configuration version it was computed with (0 = defaults), when and by what that ' +
    'version was set, and stale = true while a newer configuration is being applied',
  key: ['date_key'],
  columns: [
    date('date_key', false),
    int32('config_version', false),
    boolean('stale', false),
    timestamp('config_changed_at'),
    string('config_changed_by'),
  ],
  sql: `
SELECT ${daysSql('k.kpi_date')} AS date_key,
       k.config_version,
       k.config_version < current_version.version AS stale,
       ${ms('v.changed_at')} AS config_changed_at,
       v.changed_by AS config_changed_by
  FROM kpi_daily k
 CROSS JOIN (SELECT COALESCE(max(version), 0) AS version FROM tenant_config_versions WHERE tenant_id = $1::uuid) AS current_version
  LEFT JOIN tenant_config_versions v ON v.tenant_id = k.tenant_id AND v.version = k.config_version
 WHERE k.tenant_id = $1::uuid
 ORDER BY k.kpi_date`,
  params: tenantOnly,
};

function kpiBreakdown(dimension: 'client' | 'technician' | 'priority'): TableSpec {
  return {
    name: `kpi_daily_by_${dimension}`,
    description: `one row per local day and ${dimension}; ${dimension}_key is empty for the "(none)" group`,
    key: ['date_key', `${dimension}_key`],
    columns: [
      date('date_key', false),
      string(`${dimension}_key`),
      string(`${dimension}_label`, false),
      ...KPI_COLUMN_SPECS,
      timestamp('computed_at', false),
      timestamp('data_as_of'),
    ],
    sql: `
SELECT ${daysSql('b.kpi_date')} AS date_key,
       b.group_key AS ${dimension}_key,
       b.group_label AS ${dimension}_label,
       ${KPI_KEYS.map((key) => `b.${key}`).join(', ')},
       ${ms('b.computed_at')} AS computed_at,
       ${ms('b.data_as_of')} AS data_as_of
  FROM kpi_daily_breakdown b
 WHERE b.tenant_id = $1::uuid AND b.dimension = '${dimension}'
 ORDER BY b.kpi_date, b.group_key NULLS FIRST`,
    params: tenantOnly,
    map: roundKpis,
  };
}

// ---------------------------------------------------------------------------------------------
// Dimensions: every key used by a fact or a KPI breakdown, with its most recent name. When the export
// reads one snapshot (PostgreSQL), the names the records give come from its month state ($2, see
// month-state.ts: per key and name, the latest change among the records that are not deleted), so a
// dimension does not read the tenant's history. Otherwise ($2 NULL: PGlite, where each table reads
// the data as it then is) they are read from the records, after the facts, so that they hold every
// key the facts hold. Names are first reduced per (key, name), so the sort only sees a few rows per key.

function personDimension(dimension: 'client' | 'technician'): TableSpec {
  const prefix = dimension;
  const keyColumn = `${dimension}_id`;
  const nameColumn = `${dimension}_name`;
  const seen = (at: string) => `(extract(epoch FROM ${at}) * 1000000)::int8`;
  return {
    name: `dim_${dimension}`,
    description: `one row per ${dimension} key seen in tickets, time entries or KPI breakdowns, with its latest name`,
    key: [`${prefix}_key`],
    columns: [string(`${prefix}_key`, false), string(`${prefix}_name`)],
    // seen: microseconds since the epoch. A name from the records wins over one from a KPI breakdown.
    sql: `
SELECT DISTINCT ON (key) key AS ${prefix}_key, label AS ${prefix}_name
  FROM (
        SELECT key, label, min(rank) AS rank, max(seen) AS seen
          FROM (
                SELECT s.value ->> 0 AS key, s.value ->> 1 AS label, 0 AS rank, (s.value ->> 2)::int8 AS seen
                  FROM jsonb_array_elements($2::jsonb) AS s
                UNION ALL
                SELECT ${keyColumn}, ${nameColumn}, 0, ${seen('COALESCE(source_updated_at, changed_at)')}
                  FROM raw_tickets
                 WHERE $2::jsonb IS NULL AND tenant_id = $1::uuid AND ${keyColumn} IS NOT NULL AND deleted_at IS NULL
                UNION ALL
                SELECT ${keyColumn}, ${nameColumn}, 0, ${seen('COALESCE(source_updated_at, changed_at)')}
                  FROM raw_time_entries
                 WHERE $2::jsonb IS NULL AND tenant_id = $1::uuid AND ${keyColumn} IS NOT NULL AND deleted_at IS NULL
                UNION ALL
                SELECT group_key, group_label, 1, ${seen('computed_at')}
                  FROM kpi_daily_breakdown
                 WHERE tenant_id = $1::uuid AND dimension = '${dimension}' AND group_key IS NOT NULL
               ) AS sightings
         GROUP BY key, label
       ) AS names
 ORDER BY key, (label IS NULL), rank, seen DESC NULLS LAST`,
    params: (ctx) => [ctx.tenantId, ctx.oneSnapshot ? JSON.stringify(ctx.months.sightings[dimension]) : null],
  };
}

/**
 * The first and last day of the calendar: whole years around every date the other tables hold
 * (local dates of ticket events, entry dates, KPI days), so that Power BI's time intelligence
 * functions get the complete years they expect. Each bound is an index-backed min/max.
 */
async function calendarRange(ctx: TableContext): Promise<readonly unknown[]> {
  const { rows } = await ctx.db.query<{ first_day: string | null; last_day: string | null }>(
    `
WITH bounds AS (
  SELECT (SELECT min(created_at) FROM raw_tickets WHERE tenant_id = $1::uuid) AS created_min,
         (SELECT max(created_at) FROM raw_tickets WHERE tenant_id = $1::uuid) AS created_max,
         (SELECT min(closed_at) FROM raw_tickets WHERE tenant_id = $1::uuid) AS closed_min,
         (SELECT max(closed_at) FROM raw_tickets WHERE tenant_id = $1::uuid) AS closed_max,
         (SELECT min(first_response_at) FROM raw_tickets WHERE tenant_id = $1::uuid) AS responded_min,
         (SELECT max(first_response_at) FROM raw_tickets WHERE tenant_id = $1::uuid) AS responded_max,
         (SELECT min(work_date) FROM raw_time_entries WHERE tenant_id = $1::uuid) AS work_min,
         (SELECT max(work_date) FROM raw_time_entries WHERE tenant_id = $1::uuid) AS work_max,
         (SELECT min(started_at) FROM raw_time_entries WHERE tenant_id = $1::uuid AND work_date IS NULL) AS started_min,
         (SELECT max(started_at) FROM raw_time_entries WHERE tenant_id = $1::uuid AND work_date IS NULL) AS started_max,
         (SELECT min(kpi_date) FROM kpi_daily WHERE tenant_id = $1::uuid) AS kpi_min,
         (SELECT max(kpi_date) FROM kpi_daily WHERE tenant_id = $1::uuid) AS kpi_max,
         (SELECT min(kpi_date) FROM kpi_daily_breakdown WHERE tenant_id = $1::uuid) AS breakdown_min,
         (SELECT max(kpi_date) FROM kpi_daily_breakdown WHERE tenant_id = $1::uuid) AS breakdown_max
),
days AS (
  SELECT LEAST(${localDateSql('created_min')}, ${localDateSql('closed_min')}, ${localDateSql('responded_min')},
               work_min, ${localDateSql('started_min')}, kpi_min, breakdown_min) AS first_day,
         GREATEST(${localDateSql('created_max')}, ${localDateSql('closed_max')}, ${localDateSql('responded_max')},
               work_max, ${localDateSql('started_max')}, kpi_max, breakdown_max) AS last_day
    FROM bounds
)
SELECT make_date(extract(year FROM first_day)::int, 1, 1)::text AS first_day,
       make_date(extract(year FROM last_day)::int, 12, 31)::text AS last_day
  FROM days`,
    [ctx.tenantId, ctx.timezone],
  );
  const range = rows[0];
  return [range?.first_day ?? null, range?.last_day ?? null];
}

const DIM_DATE: TableSpec = {
  name: 'dim_date',
  description: 'calendar of whole years covering every date of the other tables; weeks are ISO 8601 (Monday first)',
  key: ['date_key'],
  columns: [
    date('date_key', false),
    int32('year', false),
    int32('quarter', false),
    int32('month', false),
    string('month_name', false),
    string('month_short', false),
    string('year_month', false),
    int32('day_of_month', false),
    int32('day_of_year', false),
    int32('iso_year', false),
    int32('iso_week', false),
    string('iso_year_week', false),
    int32('weekday', false),
    string('weekday_name', false),
    boolean('is_weekend', false),
  ],
  // to_char's month and day names without the TM prefix are English whatever lc_time is.
  sql: `
SELECT ${daysSql('d')} AS date_key,
       extract(year FROM d)::int AS year,
       extract(quarter FROM d)::int AS quarter,
       extract(month FROM d)::int AS month,
       to_char(d, 'FMMonth') AS month_name,
       to_char(d, 'Mon') AS month_short,
       to_char(d, 'YYYY-MM') AS year_month,
       extract(day FROM d)::int AS day_of_month,
       extract(doy FROM d)::int AS day_of_year,
       extract(isoyear FROM d)::int AS iso_year,
       extract(week FROM d)::int AS iso_week,
       to_char(d, 'IYYY-"W"IW') AS iso_year_week,
       extract(isodow FROM d)::int AS weekday,
       to_char(d, 'FMDay') AS weekday_name,
       extract(isodow FROM d) >= 6 AS is_weekend
  FROM generate_series($1::date::timestamp, $2::date::timestamp, interval '1 day') AS g (day),
       LATERAL (SELECT g.day::date AS d) AS x
 ORDER BY d`,
  params: calendarRange,
};

/**
 * In writing order: facts and KPIs first, dimensions last. On PostgreSQL every table reads the
 * export's one snapshot. On PGlite each table is read in its own transaction; a stage starts once the
 * tables of the stage before it are being read (see export-service.ts writeTables), so a dimension's
 * read is newer than the facts' and it holds every key they reference even while ingestion runs
 * (unless a record's key itself changed between the two reads: the fact keeps the old key, which no
 * record may hold any more). The tables of one stage are written at the same time, each on its own
 * connection. The facts are stages of their own: from a cursor (Parquet, PGlite) they are written one
 * after the other so that memory stays bounded; streamed by COPY they overlap, each with a fixed
 * amount of memory.
 */
export const TABLE_STAGES: readonly (readonly TableSpec[])[] = [
  [FACT_TICKETS],
  [FACT_TIME_ENTRIES],
  [KPI_DAILY, kpiBreakdown('client'), kpiBreakdown('technician'), kpiBreakdown('priority')],
  [personDimension('client'), personDimension('technician'), DIM_DATE, DIM_CONFIG],
];

export const TABLES: readonly TableSpec[] = TABLE_STAGES.flat();
