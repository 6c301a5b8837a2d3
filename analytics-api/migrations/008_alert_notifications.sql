-- 008_alert_notifications: deliveries of KPI alerts (docs/alerts.md).
--
-- An alert is not stored: it is evaluated from kpi_daily and the tenant's kpi_targets each time it
-- is asked for, and its id is a hash of what makes it the same breach (tenant, day, KPI, target).
-- What must survive between runs is only which breach was already sent on which channel, so that a
-- second run of the same day sends nothing twice.
--
-- Idempotent (IF NOT EXISTS): safe to run twice with psql -v ON_ERROR_STOP=1 -f.
-- Runs on PostgreSQL 15+ and on PGlite.

CREATE TABLE IF NOT EXISTS alert_notifications (
  alert_id     text NOT NULL CHECK (alert_id ~ '^[0-9a-z_.-]{1,100}$'),
  channel      text NOT NULL CHECK (channel IN ('email', 'webhook')),
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  kpi_date     date NOT NULL,
  kpi_key      text NOT NULL,
  notified_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (alert_id, channel)
);

-- GET /internal/alerts reads the deliveries of one day (of one tenant or of all).
CREATE INDEX IF NOT EXISTS alert_notifications_day_idx ON alert_notifications (kpi_date, tenant_id);
