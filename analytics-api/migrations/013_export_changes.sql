-- 013_export_changes: exports that read only what changed (exports/month-state.ts).
--
-- Idempotent: safe to run twice with psql -v ON_ERROR_STOP=1 -f. Runs on PostgreSQL 15+ and on PGlite.
--
-- An export needs, per fact table and local month, a fingerprint of the month's records (count and
-- checksum) and the names the month's records give to each client and technician key (the
-- dimensions). Computing them from the raw rows costs a pass over the tenant's whole history; so the
-- last export keeps them (export_months), and every statement that writes fact records appends which
-- days it touched (export_changes), in its own transaction: a change and its log row commit together.
-- The next export recomputes only the months its log rows name, then deletes exactly the log rows it
-- read (by id), so a change committed after its snapshot keeps its row for the export after.

-- One row per statement that wrote a tenant's fact records, per fact and UTC month of the records'
-- days (old and new versions): a ticket's day is the UTC date of created_at, a time entry's its
-- work_date, else the UTC date of started_at. The export widens each range by a day on either side,
-- which covers the local month of every record whatever the tenant's time zone.
CREATE TABLE IF NOT EXISTS export_changes (
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id         bigint GENERATED ALWAYS AS IDENTITY,
  fact       text NOT NULL CHECK (fact IN ('tickets', 'time_entries')),
  first_day  date NOT NULL,
  last_day   date NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- What export_months was computed with: the time zone of its months and the version of its
-- formulas (another of either: everything is recomputed), and a version bumped by every export that
-- saves it. An export saves only if the version is still the one its snapshot read: one that read a
-- lagging replica never overwrites what a later snapshot saved.
CREATE TABLE IF NOT EXISTS export_month_state (
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  timezone   text NOT NULL,
  formulas   integer NOT NULL,
  version    bigint NOT NULL,
  PRIMARY KEY (tenant_id)
);

-- Per fact table and local month (its first day): the number of stored records the month's file is
-- made from (deleted and excluded ones included), their order-free checksum, and the month's
-- sightings per dimension: [key, name, latest change in microseconds since the epoch, as text] per name a
-- key has among the month's records that are not deleted.
CREATE TABLE IF NOT EXISTS export_months (
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  fact       text NOT NULL CHECK (fact IN ('tickets', 'time_entries')),
  month      date NOT NULL,
  records    integer NOT NULL,
  checksum   text NOT NULL,
  sightings  jsonb NOT NULL,
  PRIMARY KEY (tenant_id, fact, month)
);

-- Each trigger groups its statement's days by tenant, fact and UTC month of the day. A tenant being
-- deleted (ON DELETE CASCADE from tenants) is no longer visible to them and logs nothing.

-- The INSERT and DELETE triggers name their one transition table `changed_rows` (the rows inserted,
-- or deleted); the UPDATE trigger has both versions, `old_rows` and `new_rows`.

-- Tickets: their own days, and the days of the time entries that take their client from them
-- (a ticket inserted, deleted, or whose client changed).
CREATE OR REPLACE FUNCTION export_log_ticket_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    INSERT INTO export_changes (tenant_id, fact, first_day, last_day)
    SELECT c.tenant_id, c.fact, min(c.day), max(c.day)
      FROM (SELECT r.tenant_id, 'tickets' AS fact, (r.created_at AT TIME ZONE 'UTC')::date AS day FROM changed_rows r
            UNION ALL
            SELECT e.tenant_id, 'time_entries', COALESCE(e.work_date, (e.started_at AT TIME ZONE 'UTC')::date)
              FROM changed_rows r JOIN raw_time_entries e ON e.tenant_id = r.tenant_id AND e.ticket_external_id = r.external_id) AS c
     WHERE EXISTS (SELECT 1 FROM tenants WHERE id = c.tenant_id)
     GROUP BY c.tenant_id, c.fact, extract(year FROM c.day), extract(month FROM c.day);
  ELSE
    INSERT INTO export_changes (tenant_id, fact, first_day, last_day)
    SELECT c.tenant_id, c.fact, min(c.day), max(c.day)
      FROM (SELECT n.tenant_id, 'tickets' AS fact, (n.created_at AT TIME ZONE 'UTC')::date AS day FROM new_rows n
            UNION ALL
            SELECT o.tenant_id, 'tickets', (o.created_at AT TIME ZONE 'UTC')::date FROM old_rows o
            UNION ALL
            SELECT e.tenant_id, 'time_entries', COALESCE(e.work_date, (e.started_at AT TIME ZONE 'UTC')::date)
              FROM ((SELECT tenant_id, external_id, client_id FROM new_rows EXCEPT SELECT tenant_id, external_id, client_id FROM old_rows)
                    UNION
                    (SELECT tenant_id, external_id, client_id FROM old_rows EXCEPT SELECT tenant_id, external_id, client_id FROM new_rows)) AS k
              JOIN raw_time_entries e ON e.tenant_id = k.tenant_id AND e.ticket_external_id = k.external_id) AS c
     WHERE EXISTS (SELECT 1 FROM tenants WHERE id = c.tenant_id)
     GROUP BY c.tenant_id, c.fact, extract(year FROM c.day), extract(month FROM c.day);
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION export_log_time_entry_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    INSERT INTO export_changes (tenant_id, fact, first_day, last_day)
    SELECT c.tenant_id, 'time_entries', min(c.day), max(c.day)
      FROM (SELECT r.tenant_id, COALESCE(r.work_date, (r.started_at AT TIME ZONE 'UTC')::date) AS day FROM changed_rows r) AS c
     WHERE EXISTS (SELECT 1 FROM tenants WHERE id = c.tenant_id)
     GROUP BY c.tenant_id, extract(year FROM c.day), extract(month FROM c.day);
  ELSE
    INSERT INTO export_changes (tenant_id, fact, first_day, last_day)
    SELECT c.tenant_id, 'time_entries', min(c.day), max(c.day)
      FROM (SELECT n.tenant_id, COALESCE(n.work_date, (n.started_at AT TIME ZONE 'UTC')::date) AS day FROM new_rows n
            UNION ALL
            SELECT o.tenant_id, COALESCE(o.work_date, (o.started_at AT TIME ZONE 'UTC')::date) FROM old_rows o) AS c
     WHERE EXISTS (SELECT 1 FROM tenants WHERE id = c.tenant_id)
     GROUP BY c.tenant_id, extract(year FROM c.day), extract(month FROM c.day);
  END IF;
  RETURN NULL;
END
$$;

-- A trigger with transition tables serves one event: three per table.
CREATE OR REPLACE TRIGGER raw_tickets_export_insert AFTER INSERT ON raw_tickets
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION export_log_ticket_changes();
CREATE OR REPLACE TRIGGER raw_tickets_export_update AFTER UPDATE ON raw_tickets
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION export_log_ticket_changes();
CREATE OR REPLACE TRIGGER raw_tickets_export_delete AFTER DELETE ON raw_tickets
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION export_log_ticket_changes();

CREATE OR REPLACE TRIGGER raw_time_entries_export_insert AFTER INSERT ON raw_time_entries
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION export_log_time_entry_changes();
CREATE OR REPLACE TRIGGER raw_time_entries_export_update AFTER UPDATE ON raw_time_entries
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION export_log_time_entry_changes();
CREATE OR REPLACE TRIGGER raw_time_entries_export_delete AFTER DELETE ON raw_time_entries
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION export_log_time_entry_changes();
