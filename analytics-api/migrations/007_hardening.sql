-- 007_hardening: API keys that expire (credential rotation).
--
-- Idempotent (IF NOT EXISTS): safe to run twice with psql -v ON_ERROR_STOP=1 -f.
--
-- expires_at NULL: the key never expires (every key created before this migration). From that
-- instant on the key is refused with 401 "API key expired"; last_used_at (001) tells whether a key
-- about to expire is still in use.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS expires_at timestamptz;
