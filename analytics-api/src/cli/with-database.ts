import { loadConfig, type Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';

/** Opens the configured database for one command (applying migrations unless told not to). */
export async function withDatabase<T>(
  work: (db: Database, config: Config) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const config = loadConfig(process.env, 'cli');
  const db = await openDatabase(config, { maxConnections: 4 });
  try {
    if (options.migrate !== false && config.runMigrations) await migrate(db);
    return await work(db, config);
  } finally {
    await db.close();
  }
}
