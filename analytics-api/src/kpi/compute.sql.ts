/**
 * The daily KPI computation of docs/kpis.md for one tenant and a whole range of local days, in one
 * statement that also stores the result. docs/kpis.md explains each definition; this comment
 * explains the shape. The statement is written out below as it runs; only three short clauses that
 * it repeats are named constants (GROUPED_BY_LEVEL, LEVEL_COLUMNS, LEVEL_MEASURES), and the KPI
 * column list comes from KPI_KEYS (kpi-keys.ts).
 *
 * Parameters: $1 tenant id, $2 first day, $3 last day (dates, inclusive), $4 the tenant's IANA
 * time zone, $5 its daily capacity in hours, $6 the KPI settings of its configuration document
 * (jsonb, tenant-config/config-schema.ts kpiSettings: always complete, defaults filled in), $7 the
 * configuration version stored on each day's row.
 *
 * The configuration (docs/kpis.md, "Per-tenant configuration") acts through the SQL functions of
 * migration 011, which the export fact tables (exports/tables.ts) call too: kpi_ticket_kept /
 * kpi_entry_kept (exclusions; every read of raw_tickets and raw_time_entries goes through them, so a
 * filter added there applies to every KPI), kpi_priority (priority_map), kpi_sla_due and
 * kpi_sla_verdict (sla_source, sla_targets, business hours), and in `technician_capacity`
 * (workdays, holidays, technician_capacity_hours). Those functions are inlined by the planner. With
 * the defaults each of them reduces to the fixed definition.
 *
 * Day bounds are `(day::timestamp AT TIME ZONE tz)`, so 23- and 25-hour DST days come out right,
 * and local_date(x) is `(x AT TIME ZONE tz)::date`. start(from) is `($2::date::timestamp AT TIME
 * ZONE $4::text)`, end(to) is `(($3::date + 1)::timestamp AT TIME ZONE $4::text)`.
 *
 * 1. Five sources, each read by index ranges bounded by the range's instants or dates, never by
 *    the tenant's history:
 *    - `opened`, `closed`, `responded`: raw_tickets_created_idx / _closed_idx / _responded_idx on
 *      [start(from), end(to));
 *    - `backlog`: the still-open tickets (partial raw_tickets_open_idx, created before end(to)) and
 *      the closed tickets whose open span (created_at, closed_at] contains some day end of the
 *      range (GiST raw_tickets_open_span_idx, migration 002), each expanded to the days it was
 *      open at the end of — local_date(created_at) .. local_date(closed_at) − 1 — then checked
 *      against the exact definition;
 *    - `entries`: work_date in [from, to] (raw_time_entries_work_date_idx) plus, without a
 *      work_date, started_at in [start(from), end(to)) (partial raw_time_entries_started_idx);
 *      the linked tickets (client fallback, priority) are looked up once each by primary key
 *      (`linked`, the distinct ticket ids of the range's entries) and hash-joined to the entries.
 * 2. `part_<source>`: each source aggregated once, by hashing where it can, with GROUPING SETS —
 *    the tenant, and its client, technician and priority groups. Every record lands in exactly one
 *    group of each dimension, so additive KPIs of the groups sum to the tenant's.
 * 3. `sums` joins the parts of each (day, dimension, key) side by side; `levels` gives every day of
 *    the range a tenant row (zeros on a day without data); `final` derives the ratios, one column
 *    per KPI key. Values stay at full precision (numeric, then double precision); rounding happens
 *    only when serving (kpi-keys.ts).
 *
 * Keys and names are compared byte-wise (COLLATE "C"): grouping, distinct counts and max() then
 * skip locale-aware comparison, which would cost more than the rest of the aggregation. A record's
 * `fresh` is when it last changed as far as we know: its change, its ingestion, its source's update.
 *
 * A range costs one planning and one pass over the range's rows, where single days each pay the
 * planning (~5 ms of this statement), the transaction and the round trips again. docs/benchmarks.md
 * ("KPI range") has the measured ratio and where the rest of a range call's time goes.
 *
 * Durations are exact instant differences; a negative one (closed or responded before created)
 * becomes NULL (kpi_elapsed), which keeps the ticket in counts and out of avg() and percentile_cont().
 */

import { KPI_KEYS } from './kpi-keys.js';

/** The KPI columns of kpi_daily / kpi_daily_breakdown, in the order of KPI_KEYS. */
export const KPI_COLUMNS = KPI_KEYS.join(', ');

/**
 * The tenant level and the three breakdowns of one source, in one aggregation. GROUPING() tells
 * which set a row belongs to (a bit is 1 for a column not grouped): 7 = tenant, 3 = client,
 * 5 = technician, 6 = priority. A group's label is its name in that day's records (when records
 * disagree, after a rename, the alphabetically last one). `no_key` and `join_key` spell the key
 * without NULL so that the parts can be joined with plain equality.
 */
const LEVEL_COLUMNS = `
         CASE GROUPING(client_id, technician_id, priority) WHEN 7 THEN 'tenant' WHEN 3 THEN 'client' WHEN 5 THEN 'technician' ELSE 'priority' END AS dimension,
         CASE GROUPING(client_id, technician_id, priority) WHEN 3 THEN client_id WHEN 5 THEN technician_id WHEN 6 THEN priority END IS NULL AS no_key,
         COALESCE(CASE GROUPING(client_id, technician_id, priority) WHEN 3 THEN client_id WHEN 5 THEN technician_id WHEN 6 THEN priority END, '') AS join_key,
         CASE GROUPING(client_id, technician_id, priority) WHEN 3 THEN max(client_name) WHEN 5 THEN max(technician_name) WHEN 6 THEN priority END AS group_label,
         max(fresh) AS fresh`;
const GROUPED_BY_LEVEL = `GROUP BY day, GROUPING SETS ((), (client_id), (technician_id), (priority))`;

/** The measures of a `sums` row (alias s); means and medians stay NULL for an empty set, counts and sums are 0. */
const LEVEL_MEASURES = `
         s.data_as_of,
         COALESCE(s.tickets_opened, 0) AS tickets_opened,
         COALESCE(s.tickets_closed, 0) AS tickets_closed,
         s.resolution_avg_hours,
         s.resolution_median_hours,
         COALESCE(s.sla_resolution_met, 0) AS sla_resolution_met,
         COALESCE(s.sla_resolution_breached, 0) AS sla_resolution_breached,
         COALESCE(s.closed_same_day, 0) AS closed_same_day,
         COALESCE(s.closed_reopened, 0) AS closed_reopened,
         COALESCE(s.first_response_count, 0) AS first_response_count,
         s.first_response_avg_minutes,
         s.first_response_median_minutes,
         COALESCE(s.sla_response_met, 0) AS sla_response_met,
         COALESCE(s.sla_response_breached, 0) AS sla_response_breached,
         COALESCE(s.backlog_age_0_7d, 0) AS backlog_age_0_7d,
         COALESCE(s.backlog_age_8_14d, 0) AS backlog_age_8_14d,
         COALESCE(s.backlog_age_15_30d, 0) AS backlog_age_15_30d,
         COALESCE(s.backlog_age_31d_plus, 0) AS backlog_age_31d_plus,
         COALESCE(s.hours_worked, 0) AS hours_worked,
         COALESCE(s.hours_billable, 0) AS hours_billable,
         COALESCE(s.hours_billed, 0) AS hours_billed,
         COALESCE(s.billable_amount, 0) AS billable_amount,
         COALESCE(s.active_technicians, 0) AS active_technicians`;

/** The computation up to `final`: one row per (day, dimension, group), the KPI keys as columns. */
const COMPUTATION = `
WITH
days AS (
  SELECT ($2::date + i) AS day FROM generate_series(0, $3::date - $2::date) AS g (i)
),
-- OPENED(D)
opened AS (
  SELECT (t.created_at AT TIME ZONE $4::text)::date AS day,
         t.client_id COLLATE "C" AS client_id, t.client_name COLLATE "C" AS client_name,
         t.technician_id COLLATE "C" AS technician_id, t.technician_name COLLATE "C" AS technician_name,
         kpi_priority($6::jsonb, t.priority) COLLATE "C" AS priority,
         GREATEST(t.changed_at, t.ingested_at, t.source_updated_at) AS fresh
    FROM raw_tickets t
   WHERE t.tenant_id = $1::uuid AND t.deleted_at IS NULL
     AND t.created_at >= ($2::date::timestamp AT TIME ZONE $4::text) AND t.created_at < (($3::date + 1)::timestamp AT TIME ZONE $4::text)
     AND kpi_ticket_kept($6::jsonb, t.board, t.client_id)
),
-- CLOSED(D): resolution time, resolution verdict (NULL = no verdict), same-day close, reopened.
closed AS (
  SELECT (t.closed_at AT TIME ZONE $4::text)::date AS day,
         t.client_id COLLATE "C" AS client_id, t.client_name COLLATE "C" AS client_name,
         t.technician_id COLLATE "C" AS technician_id, t.technician_name COLLATE "C" AS technician_name,
         kpi_priority($6::jsonb, t.priority) COLLATE "C" AS priority,
         GREATEST(t.changed_at, t.ingested_at, t.source_updated_at) AS fresh,
         extract(epoch FROM kpi_elapsed(t.created_at, t.closed_at)) / 3600 AS hours,
         kpi_sla_verdict($6::jsonb, t.closed_at, t.sla_resolution_met,
                         kpi_sla_due($6::jsonb, $4::text, t.created_at, kpi_priority($6::jsonb, t.priority), 'resolution_hours',
                                     t.sla_resolution_met, t.sla_resolution_due_at)) AS verdict,
         (t.created_at AT TIME ZONE $4::text)::date = (t.closed_at AT TIME ZONE $4::text)::date AS same_day,
         t.reopen_count > 0 AS reopened
    FROM raw_tickets t
   WHERE t.tenant_id = $1::uuid AND t.deleted_at IS NULL
     AND t.closed_at >= ($2::date::timestamp AT TIME ZONE $4::text) AND t.closed_at < (($3::date + 1)::timestamp AT TIME ZONE $4::text)
     AND kpi_ticket_kept($6::jsonb, t.board, t.client_id)
),
-- RESPONDED(D): response time and response verdict.
responded AS (
  SELECT (t.first_response_at AT TIME ZONE $4::text)::date AS day,
         t.client_id COLLATE "C" AS client_id, t.client_name COLLATE "C" AS client_name,
         t.technician_id COLLATE "C" AS technician_id, t.technician_name COLLATE "C" AS technician_name,
         kpi_priority($6::jsonb, t.priority) COLLATE "C" AS priority,
         GREATEST(t.changed_at, t.ingested_at, t.source_updated_at) AS fresh,
         extract(epoch FROM kpi_elapsed(t.created_at, t.first_response_at)) / 60 AS minutes,
         kpi_sla_verdict($6::jsonb, t.first_response_at, t.sla_response_met,
                         kpi_sla_due($6::jsonb, $4::text, t.created_at, kpi_priority($6::jsonb, t.priority), 'response_minutes',
                                     t.sla_response_met, t.sla_response_due_at)) AS verdict
    FROM raw_tickets t
   WHERE t.tenant_id = $1::uuid AND t.deleted_at IS NULL
     AND t.first_response_at >= ($2::date::timestamp AT TIME ZONE $4::text) AND t.first_response_at < (($3::date + 1)::timestamp AT TIME ZONE $4::text)
     AND kpi_ticket_kept($6::jsonb, t.board, t.client_id)
),
-- The end of each day of the range, end(D) = start(D + 1), indexed from 1.
day_ends AS (
  SELECT array_agg((($2::date + i + 1)::timestamp AT TIME ZONE $4::text) ORDER BY i) AS ends
    FROM generate_series(0, $3::date - $2::date) AS g (i)
),
-- BACKLOG(D): created before end(D), not closed before end(D). Age bucket from
-- age_days = floor((end(D) − created_at) / 24 h): 0..7 ⇔ end(D) − created_at < 8 × 24 h, etc.
backlog AS (
  SELECT b.day,
         c.client_id COLLATE "C" AS client_id, c.client_name COLLATE "C" AS client_name,
         c.technician_id COLLATE "C" AS technician_id, c.technician_name COLLATE "C" AS technician_name,
         kpi_priority($6::jsonb, c.priority) COLLATE "C" AS priority,
         GREATEST(c.changed_at, c.ingested_at, c.source_updated_at) AS fresh,
         CASE WHEN c.created_at > b.day_end - interval '192 hours' THEN 0
              WHEN c.created_at > b.day_end - interval '360 hours' THEN 1
              WHEN c.created_at > b.day_end - interval '744 hours' THEN 2
              ELSE 3 END AS age_bucket
    FROM (
           -- still open
           SELECT t.created_at, t.closed_at, t.client_id, t.client_name, t.technician_id, t.technician_name, t.priority,
                  t.changed_at, t.ingested_at, t.source_updated_at
             FROM raw_tickets t
            WHERE t.tenant_id = $1::uuid AND t.deleted_at IS NULL
              AND t.closed_at IS NULL AND t.created_at < (($3::date + 1)::timestamp AT TIME ZONE $4::text)
              AND kpi_ticket_kept($6::jsonb, t.board, t.client_id)
           UNION ALL
           -- closed at or after end(from), created before end(to): the open-span index
           SELECT t.created_at, t.closed_at, t.client_id, t.client_name, t.technician_id, t.technician_name, t.priority,
                  t.changed_at, t.ingested_at, t.source_updated_at
             FROM raw_tickets t
            WHERE t.tenant_id = $1::uuid AND t.deleted_at IS NULL
              AND t.closed_at >= t.created_at
              AND t.closed_at >= (($2::date + 1)::timestamp AT TIME ZONE $4::text)
              AND t.created_at < (($3::date + 1)::timestamp AT TIME ZONE $4::text)
              AND kpi_open_span(t.tenant_id, t.created_at, t.closed_at)
                  && kpi_open_span($1::uuid, (($2::date + 1)::timestamp AT TIME ZONE $4::text), (($3::date + 1)::timestamp AT TIME ZONE $4::text))
              AND kpi_ticket_kept($6::jsonb, t.board, t.client_id)
         ) AS c
   CROSS JOIN day_ends
   CROSS JOIN LATERAL (
           SELECT $2::date + i AS day, day_ends.ends[i + 1] AS day_end
             FROM generate_series(
                    GREATEST($2::date, (c.created_at AT TIME ZONE $4::text)::date) - $2::date,
                    LEAST($3::date, COALESCE((c.closed_at AT TIME ZONE $4::text)::date - 1, $3::date)) - $2::date
                  ) AS s (i)
         ) AS b
   WHERE c.created_at < b.day_end AND (c.closed_at IS NULL OR c.closed_at >= b.day_end)
),
-- ENTRIES(D): entry_date is work_date when present, else local_date(started_at). The client falls
-- back to the linked ticket's; the priority is the linked ticket's. Time that is not service-desk
-- work (non_service_desk: leave and internal charge codes, migration 004) is left out.
entry_rows AS MATERIALIZED (
  SELECT x.client_id, x.client_name, x.technician_id, x.technician_name, x.ticket_external_id, x.hours_worked,
         x.billable, x.hours_billed, x.hourly_rate, x.work_type, x.changed_at, x.ingested_at, x.source_updated_at,
         x.work_date AS day
    FROM raw_time_entries x
   WHERE x.tenant_id = $1::uuid AND x.deleted_at IS NULL AND NOT x.non_service_desk
     AND x.work_date >= $2::date AND x.work_date <= $3::date
  UNION ALL
  SELECT x.client_id, x.client_name, x.technician_id, x.technician_name, x.ticket_external_id, x.hours_worked,
         x.billable, x.hours_billed, x.hourly_rate, x.work_type, x.changed_at, x.ingested_at, x.source_updated_at,
         (x.started_at AT TIME ZONE $4::text)::date
    FROM raw_time_entries x
   WHERE x.tenant_id = $1::uuid AND x.deleted_at IS NULL AND NOT x.non_service_desk
     AND x.work_date IS NULL
     AND x.started_at >= ($2::date::timestamp AT TIME ZONE $4::text) AND x.started_at < (($3::date + 1)::timestamp AT TIME ZONE $4::text)
),
-- The tickets the range's entries link to, each looked up once by primary key (entries share
-- tickets), then hash-joined to the entries. Materialised, so the planner neither probes once per
-- entry nor hashes the tenant's whole history.
linked AS MATERIALIZED (
  SELECT t.external_id, t.client_id, t.client_name, kpi_priority($6::jsonb, t.priority) AS priority,
         t.changed_at, t.ingested_at, t.source_updated_at
    FROM (SELECT DISTINCT ticket_external_id FROM entry_rows WHERE ticket_external_id IS NOT NULL) AS l
    JOIN raw_tickets t ON t.tenant_id = $1::uuid AND t.external_id = l.ticket_external_id
),
entries AS (
  SELECT e.day,
         COALESCE(e.client_id, lt.client_id) COLLATE "C" AS client_id,
         CASE WHEN e.client_id IS NOT NULL THEN e.client_name ELSE lt.client_name END COLLATE "C" AS client_name,
         e.technician_id COLLATE "C" AS technician_id, e.technician_name COLLATE "C" AS technician_name,
         lt.priority COLLATE "C" AS priority,
         GREATEST(e.changed_at, e.ingested_at, e.source_updated_at, lt.changed_at, lt.ingested_at, lt.source_updated_at) AS fresh,
         e.hours_worked, e.billable, COALESCE(e.hours_billed, e.hours_worked) AS hours_billed, e.hourly_rate
    FROM entry_rows e
    LEFT JOIN linked lt ON lt.external_id = e.ticket_external_id
   WHERE kpi_entry_kept($6::jsonb, e.work_type, COALESCE(e.client_id, lt.client_id))
),
-- The capacity of each technician who logged time on a day: their own hours (else the tenant's) on
-- a workday that is not a holiday, 0 otherwise. The tenant's capacity is the sum over its technicians.
technician_capacity AS (
  SELECT day, technician_id,
         CASE WHEN COALESCE($6::jsonb->'workdays' @> to_jsonb(extract(isodow FROM day)::integer), true)
               AND NOT COALESCE($6::jsonb->'holidays' ? day::text, false)
              THEN COALESCE(($6::jsonb->'technician_capacity_hours'->>technician_id)::numeric, $5::numeric)
              ELSE 0 END AS capacity
    FROM (SELECT DISTINCT day, technician_id FROM entries WHERE technician_id IS NOT NULL) AS d
),
tenant_capacity AS (
  SELECT day, sum(capacity) AS capacity FROM technician_capacity GROUP BY day
),
part_opened AS (
  SELECT day, ${LEVEL_COLUMNS},
         count(*) AS tickets_opened
    FROM opened
   ${GROUPED_BY_LEVEL}
),
part_closed AS (
  SELECT day, ${LEVEL_COLUMNS},
         count(*) AS tickets_closed,
         avg(hours) AS resolution_avg_hours,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY hours::double precision) AS resolution_median_hours,
         count(*) FILTER (WHERE verdict) AS sla_resolution_met,
         count(*) FILTER (WHERE NOT verdict) AS sla_resolution_breached,
         count(*) FILTER (WHERE same_day) AS closed_same_day,
         count(*) FILTER (WHERE reopened) AS closed_reopened
    FROM closed
   ${GROUPED_BY_LEVEL}
),
part_responded AS (
  SELECT day, ${LEVEL_COLUMNS},
         count(*) AS first_response_count,
         avg(minutes) AS first_response_avg_minutes,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes::double precision) AS first_response_median_minutes,
         count(*) FILTER (WHERE verdict) AS sla_response_met,
         count(*) FILTER (WHERE NOT verdict) AS sla_response_breached
    FROM responded
   ${GROUPED_BY_LEVEL}
),
part_backlog AS (
  SELECT day, ${LEVEL_COLUMNS},
         count(*) FILTER (WHERE age_bucket = 0) AS backlog_age_0_7d,
         count(*) FILTER (WHERE age_bucket = 1) AS backlog_age_8_14d,
         count(*) FILTER (WHERE age_bucket = 2) AS backlog_age_15_30d,
         count(*) FILTER (WHERE age_bucket = 3) AS backlog_age_31d_plus
    FROM backlog
   ${GROUPED_BY_LEVEL}
),
part_entries AS (
  SELECT day, ${LEVEL_COLUMNS},
         sum(hours_worked) AS hours_worked,
         sum(hours_worked) FILTER (WHERE billable) AS hours_billable,
         sum(hours_billed) FILTER (WHERE billable) AS hours_billed,
         sum(hours_billed * hourly_rate) FILTER (WHERE billable) AS billable_amount,
         count(DISTINCT technician_id) AS active_technicians
    FROM entries
   ${GROUPED_BY_LEVEL}
),
-- The parts side by side: one row per (day, dimension, key) that has data in any of them.
sums AS (
  SELECT day, dimension, CASE WHEN no_key THEN NULL ELSE join_key END AS group_key,
         GREATEST(o.group_label, c.group_label, r.group_label, b.group_label, e.group_label) AS group_label,
         GREATEST(o.fresh, c.fresh, r.fresh, b.fresh, e.fresh) AS data_as_of,
         o.tickets_opened,
         c.tickets_closed, c.resolution_avg_hours, c.resolution_median_hours, c.sla_resolution_met, c.sla_resolution_breached,
         c.closed_same_day, c.closed_reopened,
         r.first_response_count, r.first_response_avg_minutes, r.first_response_median_minutes, r.sla_response_met, r.sla_response_breached,
         b.backlog_age_0_7d, b.backlog_age_8_14d, b.backlog_age_15_30d, b.backlog_age_31d_plus,
         e.hours_worked, e.hours_billable, e.hours_billed, e.billable_amount, e.active_technicians
    FROM part_opened o
    FULL JOIN part_closed c USING (day, dimension, no_key, join_key)
    FULL JOIN part_responded r USING (day, dimension, no_key, join_key)
    FULL JOIN part_backlog b USING (day, dimension, no_key, join_key)
    FULL JOIN part_entries e USING (day, dimension, no_key, join_key)
),
-- Every day of the range has a tenant row (zeros when it has no data); groups exist where data does.
levels AS (
  SELECT d.day, 'tenant' AS dimension, NULL::text AS group_key, NULL::text AS group_label, ${LEVEL_MEASURES},
         COALESCE(tc.capacity, 0) AS capacity
    FROM days d
    LEFT JOIN sums s ON s.day = d.day AND s.dimension = 'tenant'
    LEFT JOIN tenant_capacity tc ON tc.day = d.day
  UNION ALL
  SELECT s.day, s.dimension, s.group_key, s.group_label, ${LEVEL_MEASURES},
         COALESCE(kc.capacity, 0) AS capacity
    FROM sums s
    LEFT JOIN technician_capacity kc ON s.dimension = 'technician' AND kc.day = s.day AND kc.technician_id = s.group_key
   WHERE s.dimension <> 'tenant'
),
-- One column per KPI key (kpi-keys.ts KPI_KEYS, in its order).
final AS (
  SELECT l.day AS kpi_date, l.dimension, l.group_key,
         COALESCE(l.group_label, l.group_key, '(none)') AS group_label,
         l.tickets_opened::integer AS tickets_opened,
         l.tickets_closed::integer AS tickets_closed,
         (l.tickets_opened - l.tickets_closed)::integer AS net_flow,
         (100.0 * l.tickets_closed / NULLIF(l.tickets_opened, 0))::double precision AS kill_rate_pct,
         (l.backlog_age_0_7d + l.backlog_age_8_14d + l.backlog_age_15_30d + l.backlog_age_31d_plus)::integer AS backlog_open,
         l.backlog_age_0_7d::integer AS backlog_age_0_7d,
         l.backlog_age_8_14d::integer AS backlog_age_8_14d,
         l.backlog_age_15_30d::integer AS backlog_age_15_30d,
         l.backlog_age_31d_plus::integer AS backlog_age_31d_plus,
         l.first_response_count::integer AS first_response_count,
         l.first_response_avg_minutes::double precision AS first_response_avg_minutes,
         l.first_response_median_minutes,
         l.resolution_avg_hours::double precision AS resolution_avg_hours,
         l.resolution_median_hours,
         l.sla_response_met::integer AS sla_response_met,
         l.sla_response_breached::integer AS sla_response_breached,
         (100.0 * l.sla_response_met / NULLIF(l.sla_response_met + l.sla_response_breached, 0))::double precision AS sla_response_pct,
         l.sla_resolution_met::integer AS sla_resolution_met,
         l.sla_resolution_breached::integer AS sla_resolution_breached,
         (100.0 * l.sla_resolution_met / NULLIF(l.sla_resolution_met + l.sla_resolution_breached, 0))::double precision AS sla_resolution_pct,
         (100.0 * l.closed_same_day / NULLIF(l.tickets_closed, 0))::double precision AS same_day_close_pct,
         (100.0 * l.closed_reopened / NULLIF(l.tickets_closed, 0))::double precision AS reopen_rate_pct,
         l.hours_worked::double precision AS hours_worked,
         l.hours_billable::double precision AS hours_billable,
         l.hours_billed::double precision AS hours_billed,
         (100.0 * l.hours_billable / NULLIF(l.hours_worked, 0))::double precision AS billable_ratio_pct,
         l.active_technicians::integer AS active_technicians,
         -- capacity exists for the tenant and for technicians (theirs when they logged time), not for clients or priorities
         CASE WHEN l.dimension IN ('tenant', 'technician') THEN l.capacity::double precision END AS capacity_hours,
         CASE WHEN l.dimension IN ('tenant', 'technician')
              THEN (100.0 * l.hours_billable / NULLIF(l.capacity, 0))::double precision END AS utilization_pct,
         l.billable_amount::double precision AS billable_amount,
         (l.billable_amount / NULLIF(l.hours_worked, 0))::double precision AS effective_hourly_rate,
         (l.tickets_closed::numeric / NULLIF(l.active_technicians, 0))::double precision AS tickets_closed_per_technician,
         l.data_as_of
    FROM levels l
)`;

/**
 * Computes the range and stores it: one kpi_daily row per day of the range and one
 * kpi_daily_breakdown row per (day, dimension, group) that has data. Run it after DELETE_RANGE in
 * the same transaction. Returns the number of rows written to each table.
 */
export const COMPUTE_AND_STORE = `${COMPUTATION},
stored_days AS (
  INSERT INTO kpi_daily (tenant_id, kpi_date, timezone, config_version, ${KPI_COLUMNS}, computed_at, data_as_of)
  SELECT $1::uuid, kpi_date, $4::text, $7::integer, ${KPI_COLUMNS}, now(), data_as_of
    FROM final WHERE dimension = 'tenant'
  RETURNING 1
),
stored_groups AS (
  INSERT INTO kpi_daily_breakdown (tenant_id, kpi_date, dimension, group_key, group_label, ${KPI_COLUMNS}, computed_at, data_as_of)
  SELECT $1::uuid, kpi_date, dimension, group_key, group_label, ${KPI_COLUMNS}, now(), data_as_of
    FROM final WHERE dimension <> 'tenant'
  RETURNING 1
)
SELECT (SELECT count(*) FROM stored_days) AS days, (SELECT count(*) FROM stored_groups) AS groups`;

/**
 * The same computation for part of a long range, stored in the staging tables (migration 003) under
 * the call's id ($8) instead of kpi_daily / kpi_daily_breakdown; MOVE_FROM_STAGING then moves it in,
 * inside the transaction that stores the rest of the range (kpi-service.ts computeSplit).
 */
export const COMPUTE_INTO_STAGING = `${COMPUTATION},
staged_days AS (
  INSERT INTO kpi_daily_staging (call_id, tenant_id, kpi_date, timezone, config_version, ${KPI_COLUMNS}, computed_at, data_as_of)
  SELECT $8::uuid, $1::uuid, kpi_date, $4::text, $7::integer, ${KPI_COLUMNS}, now(), data_as_of
    FROM final WHERE dimension = 'tenant'
  RETURNING 1
),
staged_groups AS (
  INSERT INTO kpi_daily_breakdown_staging (call_id, tenant_id, kpi_date, dimension, group_key, group_label, ${KPI_COLUMNS}, computed_at, data_as_of)
  SELECT $8::uuid, $1::uuid, kpi_date, dimension, group_key, group_label, ${KPI_COLUMNS}, now(), data_as_of
    FROM final WHERE dimension <> 'tenant'
  RETURNING 1
)
SELECT (SELECT count(*) FROM staged_days) AS days, (SELECT count(*) FROM staged_groups) AS groups`;

/** Stores what COMPUTE_INTO_STAGING staged for call $1 (run after DELETE_RANGE, in the same transaction). */
export const MOVE_FROM_STAGING = [
  `INSERT INTO kpi_daily (tenant_id, kpi_date, timezone, config_version, ${KPI_COLUMNS}, computed_at, data_as_of)
   SELECT tenant_id, kpi_date, timezone, config_version, ${KPI_COLUMNS}, computed_at, data_as_of
     FROM kpi_daily_staging WHERE call_id = $1::uuid`,
  `INSERT INTO kpi_daily_breakdown (tenant_id, kpi_date, dimension, group_key, group_label, ${KPI_COLUMNS}, computed_at, data_as_of)
   SELECT tenant_id, kpi_date, dimension, group_key, group_label, ${KPI_COLUMNS}, computed_at, data_as_of
     FROM kpi_daily_breakdown_staging WHERE call_id = $1::uuid`,
] as const;

/** Removes the staged rows of call $1, and any left more than an hour ago by a call that crashed. */
export const CLEAR_STAGING = [
  `DELETE FROM kpi_daily_staging WHERE call_id = $1::uuid OR staged_at < now() - interval '1 hour'`,
  `DELETE FROM kpi_daily_breakdown_staging WHERE call_id = $1::uuid OR staged_at < now() - interval '1 hour'`,
] as const;

/** The same computation without storing anything ($1..$6): what EXPLAIN and the tests look at. */
export const COMPUTE_ONLY = `${COMPUTATION}
SELECT kpi_date::text AS kpi_date, dimension, group_key, group_label, ${KPI_COLUMNS}, data_as_of
  FROM final ORDER BY kpi_date, dimension, group_key NULLS LAST`;

/** Removes what a previous computation stored for these days ($1 tenant, $2..$3 dates). */
export const DELETE_RANGE = [
  'DELETE FROM kpi_daily WHERE tenant_id = $1::uuid AND kpi_date BETWEEN $2::date AND $3::date',
  'DELETE FROM kpi_daily_breakdown WHERE tenant_id = $1::uuid AND kpi_date BETWEEN $2::date AND $3::date',
] as const;

/**
 * Settings for the computing transaction only (set_config(..., true) = SET LOCAL), measured on a
 * year of a busy tenant:
 * - jit off: compiling this large statement costs far more (hundreds of ms) than it saves;
 * - no parallel workers: their start-up cost dominates at these sizes;
 * - no merge joins: the parts are joined by hashing, which skips five sorts on text keys;
 * - work_mem 64MB: a year of a busy tenant aggregates in memory instead of spilling to disk.
 */
export const SESSION_SETTINGS = `SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true),
  set_config('enable_mergejoin', 'off', true), set_config('work_mem', '64MB', true)`;

/** Serialises computations of one tenant (two n8n runs, a backfill and the daily job). */
export const LOCK_TENANT = `SELECT pg_advisory_xact_lock(hashtextextended('kpi_daily:' || $1::text, 0))`;

/** The tenant's current configuration version (0 = never configured: the defaults). */
export const CURRENT_CONFIG_VERSION = `SELECT COALESCE(max(version), 0)::integer AS version FROM tenant_config_versions WHERE tenant_id = $1::uuid`;
