/** ÉTAPE 4 (tables, migrations, seed) and the database side of ÉTAPE 7, read-only, when a database URL is given. */
import { readMigrationFiles, type MigrationFile } from '../db/migrate.js';
import { dbFailureOf, formatTable, LIST_TABLES_SQL, openDbProbe, type DbProbe, type TextTable } from './db-probe.js';
import type { OutputFile, Recorder } from './recorder.js';
import type { Step, VerifyOptions } from './types.js';

const CONNECTION_FIXES: Record<string, string> = {
  '28P01': 'The password of DATABASE_URL is wrong: copy it again from Coolify (SERVICE_PASSWORD_ANALYTICSDB in the full stack).',
  '28000': 'The role of DATABASE_URL does not exist or may not connect: create it, or fix the user name.',
  '3D000': 'The database named in DATABASE_URL does not exist: CREATE DATABASE msp_analytics (see docs/deploy-coolify.md).',
  ENOTFOUND:
    'The host of DATABASE_URL does not resolve from here: use the service name (analytics-db) inside the stack, the database container name on the predefined network, or run verify in the API container.',
  EAI_AGAIN: 'The host of DATABASE_URL does not resolve from here (DNS).',
  ECONNREFUSED: 'Nothing listens on the host/port of DATABASE_URL: is the PostgreSQL container running and healthy?',
  ETIMEDOUT: 'The database host does not answer: wrong host, or not on the same network.',
};

function tablesCreatedBy(files: MigrationFile[]): string[] {
  const names = new Set<string>(['schema_migrations']);
  for (const file of files) {
    for (const match of file.sql.matchAll(/CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:public\.)?"?(\w+)"?/gi))
      names.add(match[1]!.toLowerCase());
  }
  return [...names].sort();
}

export interface DatabaseState {
  probe: DbProbe;
  tablesPresent: Set<string>;
}

/** Runs one query, records its psql equivalent under `step` and its psql-like output in `files`. */
async function run(
  rec: Recorder,
  probe: DbProbe,
  step: Step,
  files: OutputFile[],
  psql: string,
  sql: string,
  params: unknown[] = [],
): Promise<TextTable | undefined> {
  rec.command(
    step,
    psql.startsWith('\\') ? `psql ${psql} (list the tables)` : `psql: ${psql.split(' FROM ')[1]?.split(/[ ;]/)[0] ?? 'query'}`,
    `psql "$DATABASE_URL" -c "${psql.replace(/"/g, '\\"')}"`,
  );
  try {
    const table = await probe.query(sql, params);
    for (const file of files) rec.out(file, `$ psql "$DATABASE_URL" -c "${psql}"`, formatTable(table), '');
    return table;
  } catch (error) {
    const failure = dbFailureOf(error);
    for (const file of files) rec.out(file, `$ psql "$DATABASE_URL" -c "${psql}"`, `ERROR:  ${failure.message} (${failure.code})`, '');
    return undefined;
  }
}

/** ÉTAPE 4. Returns an open probe for ÉTAPE 7, or undefined when the database could not be used. */
export async function checkDatabase(rec: Recorder, options: VerifyOptions): Promise<DatabaseState | undefined> {
  const url = options.databaseUrl!;
  for (const file of ['migration_output.txt', 'seed_output.txt', 'db_verification.txt'] as const) {
    rec.out(file, `# ÉTAPE 4 — ${file.replace('.txt', '').replace(/_/g, ' ')}`, `# DATABASE_URL=${url}`, '');
  }

  let probe: DbProbe;
  try {
    probe = await openDbProbe(url);
  } catch (error) {
    const failure = dbFailureOf(error);
    const detail = `cannot connect: ${failure.code} ${failure.message}`;
    for (const file of ['migration_output.txt', 'seed_output.txt', 'db_verification.txt'] as const)
      rec.out(file, `psql: error: ${failure.message} (${failure.code})`, '');
    rec.check({
      step: 4,
      id: 'db.connect',
      title: 'connect with the database URL',
      outcome: 'fail',
      category: 'database connection',
      detail,
      fix: CONNECTION_FIXES[failure.code] ?? 'Check DATABASE_URL (user, password, host, port, database name).',
    });
    return undefined;
  }
  const version = await probe.query('SELECT current_database() AS db, current_user AS "user", version() AS version').catch(() => undefined);
  const who = version?.rows[0];
  rec.check({
    step: 4,
    id: 'db.connect',
    title: 'connect with the database URL',
    outcome: 'pass',
    detail: who ? `database ${who[0]} as ${who[1]} (${(who[2] ?? '').split(' on ')[0]})` : 'connected',
  });

  // \dt and the tables the migrations of this build create.
  const files = readMigrationFiles();
  const expected = tablesCreatedBy(files);
  const tables = await run(rec, probe, 4, ['migration_output.txt', 'db_verification.txt'], '\\dt', LIST_TABLES_SQL);
  const present = new Set((tables?.rows ?? []).map((row) => row[1] ?? ''));
  const missing = expected.filter((name) => !present.has(name));
  rec.check({
    step: 4,
    id: 'db.tables',
    title: 'tables of the migrations exist (\\dt)',
    outcome: missing.length === 0 ? 'pass' : 'fail',
    category: missing.length === 0 ? undefined : 'migrations',
    detail: missing.length === 0 ? `${expected.length} tables present: ${expected.join(', ')}` : `missing tables: ${missing.join(', ')}`,
    fix:
      missing.length === 0
        ? undefined
        : 'Apply the migrations: restart the API with RUN_MIGRATIONS=true, or `node dist/cli.js migrate` in its container, or psql -f analytics-api/migrations/001_initial_schema.sql.',
  });

  // schema_migrations against the migration files of this build.
  rec.out(
    'migration_output.txt',
    `# migration files of this build: ${files.map((f) => `${f.name} (sha256 ${f.checksum.slice(0, 12)}…)`).join(', ')}`,
    '',
  );
  if (present.has('schema_migrations')) {
    const applied = await run(
      rec,
      probe,
      4,
      ['migration_output.txt'],
      'SELECT version, name, left(checksum, 12) AS checksum, applied_at FROM schema_migrations ORDER BY version',
      'SELECT version, name, left(checksum, 12) AS checksum, applied_at FROM schema_migrations ORDER BY version',
    );
    const full = await probe.query('SELECT version, checksum FROM schema_migrations').catch(() => undefined);
    const byVersion = new Map((full?.rows ?? []).map((row) => [Number(row[0]), row[1]]));
    const pending = files.filter((file) => !byVersion.has(file.version)).map((file) => file.name);
    const changed = files
      .filter((file) => byVersion.has(file.version) && byVersion.get(file.version) !== file.checksum)
      .map((file) => file.name);
    const ok = applied !== undefined && pending.length === 0 && changed.length === 0;
    rec.check({
      step: 4,
      id: 'db.migrations',
      title: 'every migration of this build is recorded in schema_migrations',
      outcome: ok ? 'pass' : 'fail',
      category: ok ? undefined : 'migrations',
      detail: ok
        ? `${files.length} applied (${files.map((f) => f.name).join(', ')})`
        : [pending.length ? `not applied: ${pending.join(', ')}` : '', changed.length ? `checksum differs: ${changed.join(', ')}` : '']
            .filter(Boolean)
            .join('; ') || 'schema_migrations could not be read',
      fix: ok ? undefined : 'Restart the API with RUN_MIGRATIONS=true or run `node dist/cli.js migrate` in its container.',
    });
  } else {
    rec.out('migration_output.txt', 'schema_migrations: (table missing: the migration runner has never run on this database)', '');
    rec.check({
      step: 4,
      id: 'db.migrations',
      title: 'every migration of this build is recorded in schema_migrations',
      outcome: 'fail',
      category: 'migrations',
      detail: 'table schema_migrations is missing: the migrations were never run by the service',
      fix: 'Restart the API with RUN_MIGRATIONS=true or run `node dist/cli.js migrate` in its container.',
    });
  }

  // Seed: the plan's two SELECTs, then what verify needs from them.
  rec.out(
    'seed_output.txt',
    '# seed: `node dist/cli.js seed-mock` in the analytics-api container (prints each new API key once; not repeated here)',
    '',
  );
  const tenantsPresent = present.has('tenants');
  const tenants = tenantsPresent
    ? await run(
        rec,
        probe,
        4,
        ['seed_output.txt', 'db_verification.txt'],
        'SELECT id, name FROM tenants;',
        'SELECT id, name FROM tenants ORDER BY name',
      )
    : undefined;
  const keys = present.has('api_keys')
    ? await run(
        rec,
        probe,
        4,
        ['seed_output.txt', 'db_verification.txt'],
        'SELECT tenant_id, name FROM api_keys;',
        'SELECT tenant_id, name FROM api_keys ORDER BY tenant_id, name',
      )
    : undefined;
  const tenantSeeded = (tenants?.rows ?? []).some((row) => row[0] === options.tenantId);
  rec.check({
    step: 4,
    id: 'db.seed_tenant',
    title: `tenant ${options.tenantId} is seeded`,
    outcome: tenantSeeded ? 'pass' : tenantsPresent ? 'fail' : 'skip',
    category: tenantSeeded || !tenantsPresent ? undefined : 'migrations',
    detail: tenantSeeded
      ? `${tenants?.rows.length ?? 0} tenant(s), including ${options.tenantId}`
      : tenantsPresent
        ? `${tenants?.rows.length ?? 0} tenant(s), not ${options.tenantId}`
        : 'table tenants missing (see the migrations check)',
    fix:
      tenantSeeded || !tenantsPresent
        ? undefined
        : 'Run `node dist/cli.js seed-mock` in the analytics-api container (Coolify › Terminal) and keep the printed API keys.',
  });
  if (present.has('api_keys')) {
    const active = await probe
      .query('SELECT count(*) FROM api_keys WHERE tenant_id::text = $1 AND revoked_at IS NULL', [options.tenantId])
      .then((t) => Number(t.rows[0]?.[0] ?? 0))
      .catch(() => 0);
    rec.check({
      step: 4,
      id: 'db.seed_api_key',
      title: `an active API key exists for tenant ${options.tenantId}`,
      outcome: active > 0 ? 'pass' : 'fail',
      category: active > 0 ? undefined : 'migrations',
      detail: `${active} active key(s) for the tenant; ${keys?.rows.length ?? 0} key(s) in all`,
      fix:
        active > 0
          ? undefined
          : `Run \`node dist/cli.js seed-mock\` (or \`node dist/cli.js api-key create --tenant ${options.tenantId} --name n8n\`) in the API container.`,
    });
  }
  return { probe, tablesPresent: present };
}

export interface ApiEvidence {
  /** Rows the API said it received for tickets + time entries, or undefined when the calls failed. */
  ingested?: number;
  /** true when compute-daily answered 200. */
  computed: boolean;
}

/** ÉTAPE 7, database side: did the API's work land in this database? */
export async function checkIngestedData(rec: Recorder, options: VerifyOptions, state: DatabaseState, evidence: ApiEvidence): Promise<void> {
  const { probe, tablesPresent } = state;
  const file = 'db_verification.txt';
  rec.out(file, '# ÉTAPE 7 — data ingested and KPIs computed (after the API tests)', '');
  if (!['raw_tickets', 'raw_time_entries', 'kpi_daily'].every((t) => tablesPresent.has(t))) {
    rec.check({
      step: 7,
      id: 'db.data',
      title: 'ingested rows and KPIs in the database',
      outcome: 'skip',
      detail: 'tables missing (see ÉTAPE 4)',
    });
    return;
  }
  await run(rec, probe, 7, [file], 'SELECT COUNT(*) FROM raw_tickets;', 'SELECT count(*) AS count FROM raw_tickets');
  const counts = await run(
    rec,
    probe,
    7,
    [file],
    `SELECT (SELECT COUNT(*) FROM raw_tickets WHERE tenant_id = '${options.tenantId}') AS tickets, (SELECT COUNT(*) FROM raw_time_entries WHERE tenant_id = '${options.tenantId}') AS time_entries;`,
    'SELECT (SELECT count(*) FROM raw_tickets WHERE tenant_id::text = $1) AS tickets, (SELECT count(*) FROM raw_time_entries WHERE tenant_id::text = $1) AS time_entries',
    [options.tenantId],
  );
  await run(
    rec,
    probe,
    7,
    [file],
    'SELECT tenant_id, kpi_date, tickets_opened, tickets_closed, backlog_open, hours_worked, computed_at FROM kpi_daily ORDER BY kpi_date DESC LIMIT 5;',
    'SELECT tenant_id, kpi_date::text AS kpi_date, tickets_opened, tickets_closed, backlog_open, hours_worked, computed_at FROM kpi_daily ORDER BY kpi_date DESC, tenant_id LIMIT 5',
  );
  const kpiRow = await probe
    .query('SELECT count(*) FROM kpi_daily WHERE tenant_id::text = $1 AND kpi_date = $2::date', [options.tenantId, options.date])
    .then((t) => Number(t.rows[0]?.[0] ?? 0))
    .catch(() => 0);

  const tickets = Number(counts?.rows[0]?.[0] ?? 0);
  const timeEntries = Number(counts?.rows[0]?.[1] ?? 0);
  const elsewhere =
    'The API answered success but nothing is in this database: the API uses another database than --database-url (compare DATABASE_URL in Coolify).';
  if (evidence.ingested === undefined) {
    rec.check({
      step: 7,
      id: 'db.ingested',
      title: 'ingested rows in raw_tickets / raw_time_entries',
      outcome: 'info',
      detail: `tickets ${tickets}, time entries ${timeEntries} (ingest calls did not succeed)`,
    });
  } else {
    const ok = tickets > 0 && timeEntries > 0;
    rec.check({
      step: 7,
      id: 'db.ingested',
      title: 'ingested rows in raw_tickets / raw_time_entries',
      outcome: ok ? 'pass' : 'fail',
      category: ok ? undefined : 'database connection',
      detail: `tenant ${options.tenantId}: ${tickets} ticket(s), ${timeEntries} time entr(y/ies)`,
      fix: ok ? undefined : elsewhere,
    });
  }
  if (!evidence.computed) {
    rec.check({
      step: 7,
      id: 'db.kpi_daily',
      title: `kpi_daily row for ${options.date}`,
      outcome: 'info',
      detail: `${kpiRow} row(s) (compute call did not succeed)`,
    });
  } else {
    rec.check({
      step: 7,
      id: 'db.kpi_daily',
      title: `kpi_daily row for ${options.date}`,
      outcome: kpiRow > 0 ? 'pass' : 'fail',
      category: kpiRow > 0 ? undefined : 'database connection',
      detail: `${kpiRow} row(s) for tenant ${options.tenantId} on ${options.date}`,
      fix: kpiRow > 0 ? undefined : elsewhere,
    });
  }
}
