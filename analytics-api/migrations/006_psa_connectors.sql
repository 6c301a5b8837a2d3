-- 006: PSA connectors (issue #15). A tenant's connection to its PSA (secrets encrypted by the
-- service, never readable from SQL alone), the sync cursors that move in the same transaction as
-- each page's records, the per-tenant sync lease that keeps one sync per tenant across replicas,
-- cached Autotask picklists, and deleted_at on the raw tables for records deleted in the PSA.

CREATE TABLE IF NOT EXISTS psa_connections (
  tenant_id          uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  psa                text NOT NULL CHECK (psa IN ('connectwise', 'autotask', 'halopsa')),
  base_url           text,
  -- AES-256-GCM sealed JSON of the credentials: iv, tag and ciphertext, base64, plus the key id.
  secret_sealed      text NOT NULL,
  secret_key_id      text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  last_sync_at       timestamptz,
  last_sync_status   text CHECK (last_sync_status IN ('succeeded', 'failed', 'credentials_refused', 'running')),
  last_sync_error    text,
  -- The lease: which sync run holds the tenant, and until when (renewed per page).
  sync_run_id        uuid,
  sync_lease_until   timestamptz,
  -- Autotask picklists per entity: { "Tickets": { "status": { "5": "Complete" } } }.
  picklists          jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- One row per tenant and entity. cursor_at is the high-water source update instant of everything
-- committed by finished passes; pass_* describe the pass in progress so a restart resumes it.
CREATE TABLE IF NOT EXISTS psa_sync_cursors (
  tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  entity             text NOT NULL CHECK (entity IN ('tickets', 'time_entries')),
  cursor_at          timestamptz,
  deletes_cursor_at  timestamptz,
  pass_since         timestamptz,
  pass_full          boolean NOT NULL DEFAULT false,
  pass_started_at    timestamptz,
  pass_position      jsonb,
  pass_max_updated   timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, entity)
);

-- Ids seen by an unfinished full pass, for the reconciliation of PSAs without a deleted-records feed.
CREATE TABLE IF NOT EXISTS psa_full_pass_seen (
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  entity       text NOT NULL CHECK (entity IN ('tickets', 'time_entries')),
  external_id  text NOT NULL,
  PRIMARY KEY (tenant_id, entity, external_id)
);

ALTER TABLE raw_tickets ADD COLUMN IF NOT EXISTS deleted_at timestamptz;
ALTER TABLE raw_time_entries ADD COLUMN IF NOT EXISTS deleted_at timestamptz;

ALTER TABLE ingestion_runs DROP CONSTRAINT IF EXISTS ingestion_runs_mode_check;
ALTER TABLE ingestion_runs ADD CONSTRAINT ingestion_runs_mode_check CHECK (mode IN ('push', 'mock', 'sync'));
