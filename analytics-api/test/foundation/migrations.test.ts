import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, migrationsDir, readMigrationFiles } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createEmptyPostgresDatabase, createTestDatabase, onPostgres, postgresOnly, type TestDatabase } from '../helpers/test-database.js';

const EXPECTED_TABLES = [
  'api_keys',
  'ingest_rejections',
  'ingestion_runs',
  'kpi_daily',
  'kpi_daily_breakdown',
  'raw_tickets',
  'raw_time_entries',
  'tenants',
];

async function tables(db: TestDatabase['db']): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  );
  return rows.map((row) => row.table_name);
}

describe('migration runner', () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('applies every file once, records it with its checksum, and does nothing the second time', async () => {
    database = await createTestDatabase({ migrate: false });
    const first = await migrate(database.db);
    const files = readMigrationFiles();
    expect(first.applied).toEqual(files.map((f) => f.name));
    expect(await tables(database.db)).toEqual(expect.arrayContaining([...EXPECTED_TABLES, 'schema_migrations']));
    const second = await migrate(database.db);
    expect(second.applied).toEqual([]);
    const { rows } = await database.db.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations ORDER BY version',
    );
    expect(rows).toEqual(files.map((f) => ({ name: f.name, checksum: f.checksum })));
  });

  it('refuses a database that has a migration this build does not know', async () => {
    database = await createTestDatabase();
    await database.db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, '999_future.sql', 'x')");
    await expect(migrate(database.db)).rejects.toThrow(/newer than the code/);
  });

  it('refuses a migration file changed after it was applied', async () => {
    database = await createTestDatabase();
    await database.db.query("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1");
    await expect(migrate(database.db)).rejects.toThrow(/checksum mismatch/);
  });
});

describe.skipIf(!onPostgres)(
  postgresOnly('migrations on real PostgreSQL', 'it checks migrations with psql and concurrent replicas on a PostgreSQL server'),
  () => {
    it('every file applies in order with plain psql -v ON_ERROR_STOP=1 -f on an empty database, twice, then the runner adopts them', async () => {
      const empty = await createEmptyPostgresDatabase();
      try {
        const files = readMigrationFiles();
        for (let i = 0; i < 2; i += 1) {
          for (const { name } of files) {
            const result = spawnSync('psql', [empty.url, '-v', 'ON_ERROR_STOP=1', '-q', '-f', join(migrationsDir, name)], {
              encoding: 'utf8',
            });
            expect(result.status, `${name}: ${result.stderr}`).toBe(0);
          }
        }
        const db = openPostgres({ connectionString: empty.url, applicationName: 'migration-test' });
        try {
          expect(await tables(db)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
          // The runner re-applies them (harmless: IF NOT EXISTS everywhere) and records them.
          const report = await migrate(db);
          expect(report.applied).toEqual(files.map((f) => f.name));
          expect((await migrate(db)).applied).toEqual([]);
        } finally {
          await db.close();
        }
      } finally {
        await empty.drop();
      }
    });

    it('two runners started at once (two replicas) apply each migration exactly once', async () => {
      const empty = await createEmptyPostgresDatabase();
      const a = openPostgres({ connectionString: empty.url, applicationName: 'replica-a' });
      const b = openPostgres({ connectionString: empty.url, applicationName: 'replica-b' });
      try {
        const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
        const applied = [...ra.applied, ...rb.applied].sort();
        expect(applied).toEqual(
          readMigrationFiles()
            .map((f) => f.name)
            .sort(),
        );
        const { rows } = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
        expect(rows[0]!.n).toBe(readMigrationFiles().length);
      } finally {
        await a.close();
        await b.close();
        await empty.drop();
      }
    });
  },
);
