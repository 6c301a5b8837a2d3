import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../config/config.js';
import type { Database, Session } from './database.js';

/**
 * The migration runner: numbered SQL files applied in order, each once, in its own transaction with
 * its schema_migrations row (name and SHA-256), under an advisory lock so that two replicas starting
 * at once apply each file exactly once.
 *
 * Why hand-written: node-pg-migrate or postgrator would do this for `pg`, but they drive a pg
 * client, and the same files must also run on PGlite through the Database interface (and with plain
 * psql -f, so no runner-specific syntax). The whole runner is this file; there is nothing to
 * measure for speed. Kept honest by test/foundation/migrations.test.ts: applied once and recorded
 * with its checksum, an unknown or changed file refused, every file applied twice with plain psql,
 * and two runners started at once.
 */
export const migrationsDir = resolve(packageRoot, 'migrations');

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

class MigrationError extends Error {
  override name = 'MigrationError';
}

// Arbitrary constant that identifies "the analytics-api migration lock" among advisory locks.
const MIGRATION_LOCK_KEY = 7_351_240_918;

export function readMigrationFiles(dir: string = migrationsDir): MigrationFile[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

async function ensureMigrationsTable(session: Session): Promise<void> {
  await session.execScript(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`);
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/** Compares what the database recorded with the files of this build; throws on any disagreement. */
function checkHistory(files: MigrationFile[], applied: AppliedRow[]): void {
  const byVersion = new Map(files.map((file) => [file.version, file]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (!file) {
      throw new MigrationError(`the database has migration ${row.name} that this build does not know: the database is newer than the code`);
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(`migration ${row.name} was changed after it was applied (checksum mismatch)`);
    }
  }
}

/**
 * Applies pending migrations in order, each in its own transaction together with its
 * schema_migrations row. A session-level advisory lock makes concurrent runners (two replicas
 * starting at once) wait for each other; the second one then finds nothing to do.
 */
export async function migrate(db: Database, files: MigrationFile[] = readMigrationFiles()): Promise<MigrationReport> {
  return db.withSession(async (session) => {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await ensureMigrationsTable(session);
      const { rows } = await session.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
      checkHistory(files, rows);
      const done = new Set(rows.map((row) => row.version));
      const report: MigrationReport = { applied: [], alreadyApplied: rows.map((row) => row.name) };
      for (const file of files) {
        if (done.has(file.version)) continue;
        await session.execScript('BEGIN');
        try {
          await session.execScript(file.sql);
          await session.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
            file.version,
            file.name,
            file.checksum,
          ]);
          await session.execScript('COMMIT');
        } catch (error) {
          await session.execScript('ROLLBACK').catch(() => undefined);
          throw new MigrationError(`migration ${file.name} failed: ${(error as Error).message}`);
        }
        report.applied.push(file.name);
      }
      return report;
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}

export interface MigrationStatus {
  state: 'ok' | 'pending' | 'error';
  detail: string;
}

/** For /health: are all migrations of this build applied, and none unknown? */
export async function migrationStatus(db: Database, files: MigrationFile[] = readMigrationFiles()): Promise<MigrationStatus> {
  const exists = await db.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return { state: 'pending', detail: 'no migration applied yet' };
  const { rows } = await db.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
  try {
    checkHistory(files, rows);
  } catch (error) {
    return { state: 'error', detail: (error as Error).message };
  }
  const pending = files.length - rows.length;
  return pending > 0
    ? { state: 'pending', detail: `${pending} migration(s) not applied` }
    : { state: 'ok', detail: `${rows.length} applied, latest ${rows.at(-1)?.name ?? 'none'}` };
}
