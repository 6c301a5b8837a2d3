import type { Config } from '../config/config.js';
import type { Database } from './database.js';
import { lockEmbeddedDatabase } from './embedded-lock.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface OpenDatabaseOptions {
  onPoolError?: (error: Error) => void;
  maxConnections?: number;
}

/** DATABASE_URL set → a `pg` pool; unset → embedded PostgreSQL stored in DATA_DIR. */
export async function openDatabase(config: Config, options: OpenDatabaseOptions = {}): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgres({
      connectionString: config.databaseUrl,
      applicationName: `analytics-api:${config.instanceId}`,
      statementTimeoutMs: config.statementTimeoutMs,
      maxConnections: options.maxConnections,
      onPoolError: options.onPoolError,
    });
  }
  const unlock = lockEmbeddedDatabase(config.dataDir);
  try {
    const db = await openPglite(config.dataDir);
    const close = db.close;
    return {
      ...db,
      close: async () => {
        await close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
