import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { CliUsageError } from './command.js';

/**
 * Opens the configured database for one command (applying migrations unless told not to).
 * `existing`: the command only reads, so an embedded database that is not there yet is an error
 * rather than a new empty one (which would answer "no tenants" about a database that is elsewhere).
 */
export async function withDatabase<T>(
  work: (db: Database, config: Config) => Promise<T>,
  options: { migrate?: boolean; existing?: boolean } = {},
): Promise<T> {
  const config = loadConfig(process.env, 'cli');
  if (options.existing && !config.databaseUrl && !existsSync(join(config.dataDir, 'PG_VERSION'))) {
    throw new CliUsageError(
      `there is no embedded database in ${config.dataDir}: start the quick start (npm start) or run "migrate" first, ` +
        'or set DATA_DIR to where it is, or DATABASE_URL',
    );
  }
  const db = await openDatabase(config, { maxConnections: 4 });
  try {
    if (options.migrate !== false && config.runMigrations) await migrate(db);
    return await work(db, config);
  } finally {
    await db.close();
  }
}
