-- 003_kpi_range_staging: where the halves of a long KPI range are computed before they are stored.
--
-- Idempotent (IF NOT EXISTS): safe to run twice with psql -v ON_ERROR_STOP=1 -f.
--
-- A range of many days is computed as two halves at the same time, each on its own connection
-- (src/kpi/kpi-service.ts: the statement is CPU-bound and a single statement uses one core). Each
-- half writes its rows here under the call's id; one transaction then replaces the stored days with
-- them, so readers still see either all the old days or all the new ones. UNLOGGED: the rows live
-- for the duration of one call and are worthless after a crash (a call that crashed is retried;
-- rows older than an hour are removed by the next range call).
CREATE UNLOGGED TABLE IF NOT EXISTS kpi_daily_staging (LIKE kpi_daily);
ALTER TABLE kpi_daily_staging ADD COLUMN IF NOT EXISTS call_id uuid NOT NULL;
ALTER TABLE kpi_daily_staging ADD COLUMN IF NOT EXISTS staged_at timestamptz NOT NULL DEFAULT now();

CREATE UNLOGGED TABLE IF NOT EXISTS kpi_daily_breakdown_staging (LIKE kpi_daily_breakdown);
ALTER TABLE kpi_daily_breakdown_staging ADD COLUMN IF NOT EXISTS call_id uuid NOT NULL;
ALTER TABLE kpi_daily_breakdown_staging ADD COLUMN IF NOT EXISTS staged_at timestamptz NOT NULL DEFAULT now();
