-- 005_tenant_config: per-tenant KPI configuration (shared/spec/kpis.md, "Per-tenant configuration"),
-- the version each stored KPI day was computed with, the recompute jobs and the business-hours clock.
--
-- Idempotent (IF NOT EXISTS / CREATE OR REPLACE): safe to run twice with psql -v ON_ERROR_STOP=1 -f.
-- Runs on PostgreSQL 15+ and on PGlite (plpgsql only, no extension).

-- 1. Every version of every tenant's configuration document. The current one is the highest
--    version; a tenant without any row uses the defaults (version 0). The tenant's time zone and
--    daily capacity stay in the tenants table (their one source of truth, also written by
--    `tenant create`); the document stored here holds every other field.
CREATE TABLE IF NOT EXISTS tenant_config_versions (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  version     integer NOT NULL CHECK (version > 0),
  document    jsonb NOT NULL,
  changed_by  text NOT NULL CHECK (changed_by IN ('cli', 'api')),
  changed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version)
);

-- 2. The configuration version each KPI day was computed with; a day with a lower version than the
--    tenant's current one is stale. Its breakdown rows are always written in the same transaction
--    as the day's row, so the day's version covers them too. Rows written before this migration
--    were computed with the defaults: version 0.
ALTER TABLE kpi_daily ADD COLUMN IF NOT EXISTS config_version integer NOT NULL DEFAULT 0;
ALTER TABLE kpi_daily_staging ADD COLUMN IF NOT EXISTS config_version integer NOT NULL DEFAULT 0;
-- The recompute looks for a tenant's stale days.
CREATE INDEX IF NOT EXISTS kpi_daily_config_version_idx ON kpi_daily (tenant_id, config_version, kpi_date);

-- 3. One pending recompute per tenant. A configuration change sets `wanted_version`; a worker takes
--    the lease (owner + expiry, so a crashed worker's job is taken over once its lease runs out),
--    recomputes the stale days chunk by chunk (each chunk one transaction) and clears the job when
--    no stale day is left. Surviving a restart is the point of keeping it in a table.
CREATE TABLE IF NOT EXISTS config_recompute_jobs (
  tenant_id       uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  wanted_version  integer NOT NULL,
  requested_at    timestamptz NOT NULL DEFAULT now(),
  lease_owner     text,
  lease_until     timestamptz,
  last_error      text
);

-- 4. The due instant of an SLA target counted in business time. `config` is the tenant's configuration
--    document (business_hours: ISO weekday → ["HH:MM", "HH:MM"), local; workdays; holidays). The clock
--    starts at `created` or, outside business hours, at the next business-hours start, and runs only
--    inside business hours of workdays that are not holidays. Local times become instants with
--    AT TIME ZONE, so a window on a DST day is as long as it really is (08:00-18:00 is always 10 h,
--    00:00-24:00 is 23 or 25 h). Counted in seconds (never in interval days, whose length would
--    depend on the session's time zone). NULL without a target, or when no business hour exists
--    in the next ten years.
CREATE OR REPLACE FUNCTION kpi_business_due(created timestamptz, minutes numeric, tz text, config jsonb) RETURNS timestamptz
  LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  remaining double precision := minutes * 60;
  day date := (created AT TIME ZONE tz)::date;
  weekday integer;
  hours jsonb;
  opens timestamptz;
  closes timestamptz;
  begins timestamptz;
BEGIN
  IF minutes IS NULL OR created IS NULL THEN
    RETURN NULL;
  END IF;
  FOR i IN 0..3660 LOOP
    weekday := extract(isodow FROM day)::integer;
    hours := config->'business_hours'->(weekday::text);
    IF jsonb_typeof(hours) = 'array'
       AND COALESCE(config->'workdays' @> to_jsonb(weekday), true)
       AND NOT COALESCE(config->'holidays' ? day::text, false) THEN
      opens := (day + (hours->>0)::time) AT TIME ZONE tz;
      closes := (day + (hours->>1)::time) AT TIME ZONE tz;
      begins := GREATEST(opens, created);
      IF begins < closes THEN
        IF remaining <= extract(epoch FROM closes - begins) THEN
          RETURN begins + remaining * interval '1 second';
        END IF;
        remaining := remaining - extract(epoch FROM closes - begins);
      END IF;
    END IF;
    day := day + 1;
  END LOOP;
  RETURN NULL;
END
$$;

-- The due instant of a target of `minutes` from `created`: in business time when the configuration
-- has business_hours, in wall-clock time otherwise; NULL without a target.
CREATE OR REPLACE FUNCTION kpi_target_due(created timestamptz, minutes numeric, tz text, config jsonb) RETURNS timestamptz
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN minutes IS NULL THEN NULL
              WHEN jsonb_typeof(config->'business_hours') = 'object' THEN kpi_business_due(created, minutes, tz, config)
              ELSE created + minutes * interval '1 minute' END;
