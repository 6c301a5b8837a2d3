-- 002_kpi_daily: what the daily KPI computation (src/kpi/compute.sql.ts) needs beyond 001.
--
-- Idempotent (CREATE OR REPLACE / IF NOT EXISTS): safe to run twice with
-- psql -v ON_ERROR_STOP=1 -f. Runs on PostgreSQL 15+ without any extension.

-- 1. The time zone each kpi_daily row was computed in. A day's bounds depend on the tenant's zone at
--    computation time; keeping it on the row lets the API report the zone the stored numbers really
--    use even after the tenant's zone changes (recompute the days to move them). NULL only on rows
--    written before this migration; the API then shows the tenant's current zone.
ALTER TABLE kpi_daily ADD COLUMN IF NOT EXISTS timezone text;

-- 2. The backlog of day D is every ticket with created_at < end(D) <= closed_at (or still open).
--    Open tickets come from raw_tickets_open_idx. For closed ones, neither B-tree of 001 bounds the
--    search on both sides (closed_at >= end(D) alone reads every ticket closed since D), so a GiST
--    index over each ticket's open span answers "open at end(D)" directly.
--
--    Without the btree_gist extension a GiST index cannot lead with tenant_id. kpi_open_span() draws
--    the span as a flat box on a plane: x from created_at to closed_at (epoch seconds), y = a hash of
--    the tenant, so one tenant's spans never meet another's (a hash collision only costs a few rows
--    that the query's tenant_id and exact timestamp conditions drop). Boxes use float8 arithmetic,
--    which keeps index maintenance on ingest cheap; the box test is only a filter, the query then
--    checks the exact timestamps.
CREATE OR REPLACE FUNCTION kpi_open_span(tenant uuid, opened timestamptz, closed timestamptz) RETURNS box
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN box(point(extract(epoch FROM opened - '1970-01-01 00:00:00+00'::timestamptz)::float8, uuid_hash(tenant)),
             point(extract(epoch FROM closed - '1970-01-01 00:00:00+00'::timestamptz)::float8, uuid_hash(tenant)));

-- Tickets closed before they were created are never in a backlog.
CREATE INDEX IF NOT EXISTS raw_tickets_open_span_idx ON raw_tickets USING gist (kpi_open_span(tenant_id, created_at, closed_at))
  WHERE closed_at >= created_at;

-- 3. No foreign key from kpi_daily_breakdown to tenants. A range computation inserts tens of
--    thousands of breakdown rows in one statement (366 days of a mid-size tenant: ~20,000), and the
--    per-row RI trigger of that key cost about as much as the inserts themselves (EXPLAIN ANALYZE:
--    160 ms of a 1.3 s statement). The key protected nothing the code needs: the rows are only ever
--    written by the computation, for a tenant it has just read (getTenant) under the tenant's
--    advisory lock, and no code path deletes a tenant (tenants are deactivated, never removed), so
--    the ON DELETE CASCADE never fires. kpi_daily keeps its key (one row per day, negligible cost),
--    so the daily rows still cannot outlive or precede their tenant. Should tenants ever be deleted,
--    delete their kpi_daily_breakdown rows in the same transaction.
ALTER TABLE kpi_daily_breakdown DROP CONSTRAINT IF EXISTS kpi_daily_breakdown_tenant_id_fkey;
