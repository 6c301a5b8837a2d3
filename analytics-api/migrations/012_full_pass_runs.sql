-- 012_full_pass_runs: a full sync pass remembers which runs it made and when it began, so that it
-- need not list every id it wrote in psa_full_pass_seen.
--
-- Idempotent: safe to run twice with psql -v ON_ERROR_STOP=1 -f. Runs on PostgreSQL 15+ and on PGlite.
--
-- At the end of a full pass, a stored row is present in the PSA's answer when the pass wrote it (its
-- last_run_id is one of pass_run_ids: the first run and each resumed one), or when it changed after
-- the pass began (another writer touched it meanwhile: not the pass's to judge), or when its id is in
-- psa_full_pass_seen (read by the pass but not written by it: unchanged or rejected records, or every
-- record of a batch in which one was not rewritten). A first load, whose rows the pass writes, no
-- longer costs an insert per record.
ALTER TABLE psa_sync_cursors ADD COLUMN IF NOT EXISTS pass_run_ids uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE psa_sync_cursors ADD COLUMN IF NOT EXISTS pass_began_at timestamptz;
