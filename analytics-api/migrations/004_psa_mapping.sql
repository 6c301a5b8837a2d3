-- 004_psa_mapping: what real PSA payloads need beyond the first schema (issue #23).
--
-- Harmless when run again (IF NOT EXISTS everywhere), like the earlier files.

-- Time that is not service-desk work (charged to a leave or internal charge code, an activity):
-- stored like any entry, left out of the KPIs. The mapper decides (docs/psa-mapping.md).
ALTER TABLE raw_time_entries ADD COLUMN IF NOT EXISTS non_service_desk boolean NOT NULL DEFAULT false;

-- The ISO 4217 code of hourly_rate as the PSA gave it; NULL when it did not say.
ALTER TABLE raw_time_entries ADD COLUMN IF NOT EXISTS currency text;
-- The KPI read asks for the smallest and largest currency of a tenant: two index probes.
CREATE INDEX IF NOT EXISTS raw_time_entries_currency_idx ON raw_time_entries (tenant_id, currency) WHERE currency IS NOT NULL;

-- Records that are not what the call ingests (a HaloPSA action that logs no time is no time entry):
-- counted, neither stored nor rejected.
ALTER TABLE ingestion_runs ADD COLUMN IF NOT EXISTS skipped integer NOT NULL DEFAULT 0;

-- Labels of picklist values and references (kind 'label', e.g. field 'status', raw value '5',
-- value 'Complete') and hourly rates kept apart from the entries (kind 'rate', field 'roleID' or
-- 'contractID:roleID'), per tenant, source and entity, as last pushed alongside the records or
-- fetched from the PSA's field metadata. Later pushes without them still resolve through this table.
CREATE TABLE IF NOT EXISTS psa_lookups (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  source      text NOT NULL,
  entity      text NOT NULL CHECK (entity IN ('tickets', 'time_entries')),
  kind        text NOT NULL CHECK (kind IN ('label', 'rate')),
  field       text NOT NULL,
  raw_value   text NOT NULL,
  value       text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source, entity, kind, field, raw_value)
);
