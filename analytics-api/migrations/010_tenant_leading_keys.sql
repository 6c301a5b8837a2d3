-- 010_tenant_leading_keys: every key of a tenant-owned table starts with tenant_id, so the schema can
-- be distributed by tenant (Citus: a distributed table's primary key, unique constraints and foreign
-- keys must include its distribution column; docs/scaling.md). test/scaling/tenant-distribution.test.ts
-- reads the catalog and fails on any key that breaks the rule.
--
-- Runs once (schema_migrations), in the runner's transaction. Safe on a populated database: neither
-- statement rewrites a table; each takes its lock only for as long as stated below.
-- Runs on PostgreSQL 15+ and on PGlite.

-- 1. alert_notifications was keyed by (alert_id, channel). The alert id is a hash of the tenant, the
--    day, the KPI and the target, so adding tenant_id in front changes no uniqueness, only the order.
--    The table holds one row per alert sent (a few a day per tenant): rebuilding its index is short.
ALTER TABLE alert_notifications DROP CONSTRAINT IF EXISTS alert_notifications_pkey;
ALTER TABLE alert_notifications ADD CONSTRAINT alert_notifications_pkey PRIMARY KEY (tenant_id, alert_id, channel);

-- 2. kpi_daily_breakdown gets back the key 002 dropped, so its rows cannot outlive their tenant, in
--    the form a distributed table keeps: tenant_id → tenants (a reference table under Citus). Added
--    NOT VALID (no row read while the table is locked), then validated by one scan of the table.
--    DELETE /internal/tenants/{id} already removes a tenant's breakdown rows (tenants/tenant-data-
--    store.ts), so no existing row can fail the check. Its cost on writes: docs/scaling.md.
ALTER TABLE kpi_daily_breakdown DROP CONSTRAINT IF EXISTS kpi_daily_breakdown_tenant_id_fkey;
ALTER TABLE kpi_daily_breakdown
  ADD CONSTRAINT kpi_daily_breakdown_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE NOT VALID;
ALTER TABLE kpi_daily_breakdown VALIDATE CONSTRAINT kpi_daily_breakdown_tenant_id_fkey;
