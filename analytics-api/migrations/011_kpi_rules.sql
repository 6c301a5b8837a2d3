-- 011_kpi_rules: the per-ticket rules that the KPI computation (src/kpi/compute.sql.ts) and the
-- export fact tables (src/exports/tables.ts) both apply, written once as SQL functions.
--
-- Idempotent (CREATE OR REPLACE): safe to run twice with psql -v ON_ERROR_STOP=1 -f.
-- Runs on PostgreSQL 15+ and on PGlite.
--
-- Each function is one SQL expression (LANGUAGE sql, RETURN), not STRICT, and no more volatile than
-- its body, so the planner inlines it where it is called: the statements are planned and run exactly
-- as if the expression were written out there (EXPLAIN VERBOSE shows the expression, not the call).
-- To stay inlinable, a parameter used more than once in a body must be given a column or a
-- statement parameter, never a costly expression (PostgreSQL then refuses to inline, to avoid
-- computing it twice). `settings` is always the configuration's KPI settings
-- (tenant-config/config-schema.ts kpiSettings: complete, defaults filled in); with the defaults
-- every function reduces to the fixed definition of docs/kpis.md.

-- A duration between two instants, NULL when negative (responded or closed before created): such a
-- ticket stays in the counts and out of averages and medians.
CREATE OR REPLACE FUNCTION kpi_elapsed(since timestamptz, until timestamptz) RETURNS interval
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN until >= since THEN until - since END;

-- priority_map: the normalized label of a PSA priority; unmapped labels stay as they are.
CREATE OR REPLACE FUNCTION kpi_priority(settings jsonb, priority text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN COALESCE(settings->'priority_map'->>priority, priority);

-- A ticket counts unless its board or its client is excluded.
CREATE OR REPLACE FUNCTION kpi_ticket_kept(settings jsonb, board text, client_id text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN NOT COALESCE(settings->'excluded'->'boards' ? board, false)
     AND NOT COALESCE(settings->'excluded'->'client_ids' ? client_id, false);

-- A time entry counts unless its work type or its client (its own, else its ticket's) is excluded.
CREATE OR REPLACE FUNCTION kpi_entry_kept(settings jsonb, work_type text, client_id text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN NOT COALESCE(settings->'excluded'->'work_types' ? work_type, false)
     AND NOT COALESCE(settings->'excluded'->'client_ids' ? client_id, false);

-- The due instant an SLA verdict is measured against. sla_source config_only: the configured
-- target's (for the normalized `priority`, kpi_target_due of migration 005). psa_first: the source's
-- due instant; without one, the target's, unless the source gave its own verdict (source_met), which
-- then needs no due instant. `target` names the target: 'response_minutes' or 'resolution_hours'.
CREATE OR REPLACE FUNCTION kpi_sla_due(settings jsonb, tz text, created timestamptz, priority text, target text,
                                       source_met boolean, source_due timestamptz) RETURNS timestamptz
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN settings->>'sla_source' = 'config_only' OR (source_due IS NULL AND source_met IS NULL)
              THEN kpi_target_due(created,
                                  (settings->'sla_targets'->priority->>target)::numeric
                                    * CASE target WHEN 'resolution_hours' THEN 60 ELSE 1 END,
                                  tz, settings)
              ELSE source_due END;

-- An SLA verdict: true met, false breached, NULL none (no due instant). psa_first takes the source's
-- own verdict first; otherwise the event (`at`: first response or close) is compared with `due`
-- (kpi_sla_due).
CREATE OR REPLACE FUNCTION kpi_sla_verdict(settings jsonb, at timestamptz, source_met boolean, due timestamptz) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN COALESCE(CASE WHEN settings->>'sla_source' = 'config_only' THEN NULL ELSE source_met END, at <= due);
