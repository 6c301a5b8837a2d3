-- 001_initial_schema: tenants, API keys, ingested PSA records, ingestion runs, daily KPIs.
--
-- Runs as-is with `psql -v ON_ERROR_STOP=1 -f` on an empty database and is harmless when run again
-- (every object is created with IF NOT EXISTS). The service's migration runner applies the same file
-- and records it in schema_migrations.
--
-- Every tenant-owned table has tenant_id as the leading column of its primary key and of each index,
-- so the schema can later be distributed by tenant (e.g. Citus) without rewriting keys.

CREATE TABLE IF NOT EXISTS tenants (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                  text NOT NULL CHECK (length(btrim(name)) > 0),
  timezone              text NOT NULL DEFAULT 'UTC',
  daily_capacity_hours  numeric(5,2) NOT NULL DEFAULT 8 CHECK (daily_capacity_hours > 0 AND daily_capacity_hours <= 24),
  source                text NOT NULL DEFAULT 'canonical'
                        CHECK (source IN ('canonical', 'connectwise', 'autotask', 'halopsa')),
  active                boolean NOT NULL DEFAULT true,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- API keys look like msk_<tenant id, base64url>_<secret>: the tenant is readable from the key, so
-- the lookup index can lead with tenant_id like every other index. Only a SHA-256 hash is stored.
CREATE TABLE IF NOT EXISTS api_keys (
  tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  name          text NOT NULL,
  key_hash      text NOT NULL,
  key_prefix    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_tenant_hash_idx ON api_keys (tenant_id, key_hash);

-- One row per ingest call: what was received and what became of it.
CREATE TABLE IF NOT EXISTS ingestion_runs (
  tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  entity        text NOT NULL CHECK (entity IN ('tickets', 'time_entries')),
  source        text NOT NULL,
  mode          text NOT NULL CHECK (mode IN ('push', 'mock')),
  status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  instance_id   text NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  received      integer NOT NULL DEFAULT 0,
  inserted      integer NOT NULL DEFAULT 0,
  updated       integer NOT NULL DEFAULT 0,
  unchanged     integer NOT NULL DEFAULT 0,
  rejected      integer NOT NULL DEFAULT 0,
  error         text,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS ingestion_runs_tenant_started_idx ON ingestion_runs (tenant_id, started_at DESC);
CREATE INDEX IF NOT EXISTS ingestion_runs_running_idx ON ingestion_runs (tenant_id, status) WHERE status = 'running';

-- Tickets: canonical columns for the KPI queries, plus the record exactly as it was sent (payload).
CREATE TABLE IF NOT EXISTS raw_tickets (
  tenant_id              uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  external_id            text NOT NULL,
  source                 text NOT NULL,
  summary                text,
  client_id              text,
  client_name            text,
  technician_id          text,
  technician_name        text,
  board                  text,
  priority               text,
  status                 text,
  created_at             timestamptz NOT NULL,
  first_response_at      timestamptz,
  closed_at              timestamptz,
  sla_response_due_at    timestamptz,
  sla_resolution_due_at  timestamptz,
  sla_response_met       boolean,
  sla_resolution_met     boolean,
  reopen_count           integer NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
  source_updated_at      timestamptz,
  payload                jsonb NOT NULL,
  record_hash            text NOT NULL,
  ingested_at            timestamptz NOT NULL DEFAULT now(),
  changed_at             timestamptz NOT NULL DEFAULT now(),
  last_run_id            uuid,
  PRIMARY KEY (tenant_id, external_id)
);
-- Indexes shaped after the KPI day sets: opened, closed and responded on a day, and the backlog
-- (tickets still open, plus those closed after a given instant).
CREATE INDEX IF NOT EXISTS raw_tickets_created_idx   ON raw_tickets (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS raw_tickets_closed_idx    ON raw_tickets (tenant_id, closed_at);
CREATE INDEX IF NOT EXISTS raw_tickets_responded_idx ON raw_tickets (tenant_id, first_response_at);
CREATE INDEX IF NOT EXISTS raw_tickets_open_idx      ON raw_tickets (tenant_id, created_at) WHERE closed_at IS NULL;

CREATE TABLE IF NOT EXISTS raw_time_entries (
  tenant_id           uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  external_id         text NOT NULL,
  source              text NOT NULL,
  technician_id       text NOT NULL,
  technician_name     text,
  ticket_external_id  text,
  client_id           text,
  client_name         text,
  work_type           text,
  started_at          timestamptz,
  ended_at            timestamptz,
  work_date           date,
  hours_worked        numeric(10,4) NOT NULL CHECK (hours_worked >= 0 AND hours_worked <= 24),
  hours_billed        numeric(10,4) CHECK (hours_billed >= 0),
  hourly_rate         numeric(12,4) CHECK (hourly_rate >= 0),
  billable            boolean NOT NULL,
  source_updated_at   timestamptz,
  payload             jsonb NOT NULL,
  record_hash         text NOT NULL,
  ingested_at         timestamptz NOT NULL DEFAULT now(),
  changed_at          timestamptz NOT NULL DEFAULT now(),
  last_run_id         uuid,
  PRIMARY KEY (tenant_id, external_id),
  CHECK (started_at IS NOT NULL OR work_date IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS raw_time_entries_work_date_idx  ON raw_time_entries (tenant_id, work_date);
CREATE INDEX IF NOT EXISTS raw_time_entries_started_idx    ON raw_time_entries (tenant_id, started_at) WHERE work_date IS NULL;
CREATE INDEX IF NOT EXISTS raw_time_entries_ticket_idx     ON raw_time_entries (tenant_id, ticket_external_id);

-- Records that failed validation, kept with their payload and reasons so nothing sent is lost.
CREATE TABLE IF NOT EXISTS ingest_rejections (
  tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  run_id        uuid NOT NULL,
  entity        text NOT NULL CHECK (entity IN ('tickets', 'time_entries')),
  source        text NOT NULL,
  record_index  integer NOT NULL,
  external_id   text,
  payload       jsonb NOT NULL,
  reasons       jsonb NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS ingest_rejections_run_idx ON ingest_rejections (tenant_id, run_id);

-- One row per tenant and local day. Values are stored at full precision; the API and the exports
-- round to 2 decimals. NULL means "no value for an empty set" as defined in docs/kpis.md.
CREATE TABLE IF NOT EXISTS kpi_daily (
  tenant_id                       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  kpi_date                        date NOT NULL,
  tickets_opened                  integer NOT NULL,
  tickets_closed                  integer NOT NULL,
  net_flow                        integer NOT NULL,
  kill_rate_pct                   double precision,
  backlog_open                    integer NOT NULL,
  backlog_age_0_7d                integer NOT NULL,
  backlog_age_8_14d               integer NOT NULL,
  backlog_age_15_30d              integer NOT NULL,
  backlog_age_31d_plus            integer NOT NULL,
  first_response_count            integer NOT NULL,
  first_response_avg_minutes      double precision,
  first_response_median_minutes   double precision,
  resolution_avg_hours            double precision,
  resolution_median_hours         double precision,
  sla_response_met                integer NOT NULL,
  sla_response_breached           integer NOT NULL,
  sla_response_pct                double precision,
  sla_resolution_met              integer NOT NULL,
  sla_resolution_breached         integer NOT NULL,
  sla_resolution_pct              double precision,
  same_day_close_pct              double precision,
  reopen_rate_pct                 double precision,
  hours_worked                    double precision NOT NULL,
  hours_billable                  double precision NOT NULL,
  hours_billed                    double precision NOT NULL,
  billable_ratio_pct              double precision,
  active_technicians              integer NOT NULL,
  capacity_hours                  double precision NOT NULL,
  utilization_pct                 double precision,
  billable_amount                 double precision NOT NULL,
  effective_hourly_rate           double precision,
  tickets_closed_per_technician   double precision,
  computed_at                     timestamptz NOT NULL DEFAULT now(),
  data_as_of                      timestamptz,
  PRIMARY KEY (tenant_id, kpi_date)
);

-- The same KPIs per client, technician or priority. group_key NULL is the "(none)" group.
-- capacity-based columns are NULL for client and priority groups, hence nullable here.
CREATE TABLE IF NOT EXISTS kpi_daily_breakdown (
  tenant_id                       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  kpi_date                        date NOT NULL,
  dimension                       text NOT NULL CHECK (dimension IN ('client', 'technician', 'priority')),
  group_key                       text,
  group_label                     text NOT NULL,
  tickets_opened                  integer NOT NULL,
  tickets_closed                  integer NOT NULL,
  net_flow                        integer NOT NULL,
  kill_rate_pct                   double precision,
  backlog_open                    integer NOT NULL,
  backlog_age_0_7d                integer NOT NULL,
  backlog_age_8_14d               integer NOT NULL,
  backlog_age_15_30d              integer NOT NULL,
  backlog_age_31d_plus            integer NOT NULL,
  first_response_count            integer NOT NULL,
  first_response_avg_minutes      double precision,
  first_response_median_minutes   double precision,
  resolution_avg_hours            double precision,
  resolution_median_hours         double precision,
  sla_response_met                integer NOT NULL,
  sla_response_breached           integer NOT NULL,
  sla_response_pct                double precision,
  sla_resolution_met              integer NOT NULL,
  sla_resolution_breached         integer NOT NULL,
  sla_resolution_pct              double precision,
  same_day_close_pct              double precision,
  reopen_rate_pct                 double precision,
  hours_worked                    double precision NOT NULL,
  hours_billable                  double precision NOT NULL,
  hours_billed                    double precision NOT NULL,
  billable_ratio_pct              double precision,
  active_technicians              integer NOT NULL,
  capacity_hours                  double precision,
  utilization_pct                 double precision,
  billable_amount                 double precision NOT NULL,
  effective_hourly_rate           double precision,
  tickets_closed_per_technician   double precision,
  computed_at                     timestamptz NOT NULL DEFAULT now(),
  data_as_of                      timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS kpi_daily_breakdown_key_idx
  ON kpi_daily_breakdown (tenant_id, kpi_date, dimension, group_key) NULLS NOT DISTINCT;
