import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';

export const backend: 'postgres' | 'pglite' = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
export const onPostgres = backend === 'postgres';

/**
 * The title of a suite that runs on PostgreSQL only: on PGlite it is skipped, and the skip line of
 * the report says why.
 */
export function postgresOnly(title: string, why: string): string {
  if (onPostgres) return title;
  // Printed too: the default reporter does not list the titles of skipped suites.
  console.info(`skipped on PGlite: "${title}": ${why}`);
  return `${title} — skipped on PGlite: ${why}`;
}

export interface TestDatabase {
  db: Database;
  /** The connection string of this test database (postgres back end only). */
  url: string | undefined;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

export function databaseUrlFor(name: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, empty PostgreSQL database (no migrations): for migration tests and child processes. */
export async function createEmptyPostgresDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    name,
    url: databaseUrlFor(name),
    async drop() {
      const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A migrated database of its own for one test file, on the configured back end. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (onPostgres) {
    const empty = await createEmptyPostgresDatabase();
    const db = openPostgres({ connectionString: empty.url, applicationName: `analytics-api-test:${empty.name}` });
    if (options.migrate !== false) await migrate(db);
    return {
      db,
      url: empty.url,
      async drop() {
        await db.close();
        await empty.drop();
      },
    };
  }
  const snapshot = inject('pgliteSnapshot');
  const db =
    options.migrate === false
      ? await openPglite(undefined)
      : await openPglite(undefined, { loadDataDir: new Blob([readFileSync(snapshot)]) });
  return { db, url: undefined, drop: () => db.close() };
}
