/**
 * SQL of the export's month state (month-state.ts; tables of migration 013). Every statement takes
 * $1 the tenant id; the month computations take $2 its time zone and $3 the first days of the local
 * months to compute (date[]), or NULL for every month of the tenant.
 */

/** SQL: an instant as whole microseconds since the epoch (exact for any date of this era), -1 for NULL. */
const micros = (expression: string) => `COALESCE(round(date_part('epoch', ${expression}) * 1000000)::int8, -1)`;

/** SQL: when a record last changed, as exact microseconds since the epoch (the dimensions order names by it). */
const seenMicros = (record: string) => `(extract(epoch FROM COALESCE(${record}.source_updated_at, ${record}.changed_at)) * 1000000)::int8`;

/**
 * SQL: a month's checksum of its records, whatever their order: the XOR of one 64-bit hash per
 * record of its key and of the values given (each a seed of the next hash), as text. Integer hashes
 * only: a third of the cost of hashing the values as text.
 */
const checksum = (key: string, seeds: string[]) =>
  `bit_xor(hashtextextended(${key}, ${seeds.reduce((seed, value) => `hashint8extended(${value}, ${seed})`, '0')}))::text`;

/**
 * SQL: per month, the fingerprint row (no_client and no_technician both 1: records, checksum), and per
 * (month, key, name) of each dimension a sighting row (key, label, seen: the latest change among the
 * month's records with that key and name that are not deleted; NULL when all are deleted). One pass
 * over `picked` (columns month, external_id, client_id, client_name, technician_id, technician_name,
 * deleted_at, seen, and those the checksum reads).
 */
const monthRows = (picked: string, checksumSql: string) => `
SELECT to_char(r.month, 'YYYY-MM') AS month,
       GROUPING(r.client_id, r.client_name) AS no_client,
       GROUPING(r.technician_id, r.technician_name) AS no_technician,
       COALESCE(r.client_id, r.technician_id) AS key,
       COALESCE(r.client_name, r.technician_name) AS label,
       count(*)::int AS records,
       ${checksumSql} AS checksum,
       (max(r.seen) FILTER (WHERE r.deleted_at IS NULL))::text AS seen
  FROM (${picked}) AS r
 GROUP BY GROUPING SETS ((r.month), (r.month, r.client_id, r.client_name), (r.month, r.technician_id, r.technician_name))`;

/** SQL: the instant local midnight of a date expression is in the tenant's time zone ($2). */
const localMidnight = (date: string) => `(${date}::timestamp AT TIME ZONE $2::text)`;
const NEXT_MONTH = `(d.first_day + interval '1 month')::date`;

const TICKET_COLUMNS = `t.external_id, t.changed_at, t.deleted_at, t.client_id, t.client_name, t.technician_id, t.technician_name,
         date_trunc('month', t.created_at AT TIME ZONE $2::text)::date AS month, ${seenMicros('t')} AS seen`;

/** Tickets: a month is that of the local date of created_at; the checksum reads changed_at and deleted_at. */
export const TICKET_MONTHS_SQL = monthRows(
  `
  SELECT ${TICKET_COLUMNS}
    FROM raw_tickets t
   WHERE t.tenant_id = $1::uuid AND $3::date[] IS NULL
  UNION ALL
  SELECT ${TICKET_COLUMNS}
    FROM unnest($3::date[]) AS d (first_day)
    JOIN raw_tickets t ON t.tenant_id = $1::uuid
                      AND t.created_at >= ${localMidnight('d.first_day')} AND t.created_at < ${localMidnight(NEXT_MONTH)}`,
  checksum('r.external_id', [micros('r.changed_at'), micros('r.deleted_at')]),
);

const ENTRY_COLUMNS = `e.external_id, e.changed_at, e.deleted_at, e.client_id, e.client_name, e.technician_id, e.technician_name,
         e.ticket_external_id, e.work_date, e.started_at, ${seenMicros('e')} AS seen`;

/**
 * Time entries: a month is that of work_date, else of the local date of started_at. A fact row also
 * takes its client from its linked ticket (client_key, the client exclusions): the checksum reads
 * that ticket's client_id too, and migration 013 logs the entries of a ticket whose client changed.
 */
export const TIME_ENTRY_MONTHS_SQL = monthRows(
  `
  SELECT e.external_id, e.changed_at, e.deleted_at, e.client_id, e.client_name, e.technician_id, e.technician_name, e.seen,
         date_trunc('month', COALESCE(e.work_date, (e.started_at AT TIME ZONE $2::text)::date)::timestamp)::date AS month,
         CASE WHEN t.client_id IS NULL THEN -1 ELSE hashtextextended(t.client_id, 0) END AS ticket_client
    FROM (SELECT ${ENTRY_COLUMNS}
            FROM raw_time_entries e
           WHERE e.tenant_id = $1::uuid AND $3::date[] IS NULL
          UNION ALL
          SELECT ${ENTRY_COLUMNS}
            FROM unnest($3::date[]) AS d (first_day)
            JOIN raw_time_entries e ON e.tenant_id = $1::uuid AND e.work_date >= d.first_day AND e.work_date < ${NEXT_MONTH}
          UNION ALL
          SELECT ${ENTRY_COLUMNS}
            FROM unnest($3::date[]) AS d (first_day)
            JOIN raw_time_entries e ON e.tenant_id = $1::uuid AND e.work_date IS NULL
                                   AND e.started_at >= ${localMidnight('d.first_day')} AND e.started_at < ${localMidnight(NEXT_MONTH)}) AS e
    LEFT JOIN raw_tickets t ON t.tenant_id = $1::uuid AND t.external_id = e.ticket_external_id`,
  checksum('r.external_id', [micros('r.changed_at'), micros('r.deleted_at'), 'r.ticket_client']),
);

export const READ_STATE_SQL = `SELECT timezone, formulas, version::text AS version FROM export_month_state WHERE tenant_id = $1::uuid`;

export const READ_CHANGES_SQL = `
SELECT id::text AS id, fact, first_day::text AS first_day, last_day::text AS last_day
  FROM export_changes WHERE tenant_id = $1::uuid`;

export const READ_MONTHS_SQL = `
SELECT fact, to_char(month, 'YYYY-MM') AS month, records, checksum, sightings
  FROM export_months WHERE tenant_id = $1::uuid`;

/** $2 time zone, $3 formulas: the first save of a tenant; no row back when another export saved first. */
export const CREATE_STATE_SQL = `
INSERT INTO export_month_state (tenant_id, timezone, formulas, version) VALUES ($1::uuid, $2, $3, 1)
ON CONFLICT (tenant_id) DO NOTHING RETURNING version`;

/** $2 time zone, $3 formulas, $4 the version read: no row back when another export saved since. */
export const ADVANCE_STATE_SQL = `
UPDATE export_month_state SET timezone = $2, formulas = $3, version = version + 1
 WHERE tenant_id = $1::uuid AND version = $4::int8 RETURNING version`;

/** $2 the ids of the log rows read (int8[]). */
export const DELETE_CHANGES_SQL = `DELETE FROM export_changes WHERE tenant_id = $1::uuid AND id = ANY ($2::int8[])`;

export const DELETE_ALL_MONTHS_SQL = `DELETE FROM export_months WHERE tenant_id = $1::uuid`;

/** $2 the months computed: [{ "fact": …, "month": "YYYY-MM-01" }]. */
export const DELETE_MONTHS_SQL = `
DELETE FROM export_months m
 USING jsonb_to_recordset($2::jsonb) AS d (fact text, month date)
 WHERE m.tenant_id = $1::uuid AND m.fact = d.fact AND m.month = d.month`;

/** $2 the months to store: [{ fact, month: "YYYY-MM-01", records, checksum, sightings }]. */
export const INSERT_MONTHS_SQL = `
INSERT INTO export_months (tenant_id, fact, month, records, checksum, sightings)
SELECT $1::uuid, d.fact, d.month, d.records, d.checksum, d.sightings
  FROM jsonb_to_recordset($2::jsonb) AS d (fact text, month date, records int, checksum text, sightings jsonb)`;
