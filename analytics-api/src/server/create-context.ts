import { JwtCodec } from '../auth/jwt.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { openReadSide } from '../db/open-read-side.js';
import { HealthService } from '../health/health-service.js';
import type { AppContext } from '../http/context.js';
import { connectRedis } from '../redis/redis-connection.js';
import { ActiveRuns } from '../ingest/active-runs.js';
import { KpiReadCache } from '../kpi/read-cache.js';
import { failInterruptedRuns } from '../ingest/run-store.js';
import { RecomputeWorker } from '../tenant-config/recompute.js';
import { ExportQueue } from '../exports/export-lock.js';
import { CredentialCache } from '../auth/credential-cache.js';
import { prepareQuickStart, type QuickStartState } from './quick-start.js';
import { version } from './version.js';

async function schemaPresent(db: Database): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>("SELECT to_regclass('ingestion_runs') IS NOT NULL AS present");
  return rows[0]?.present === true;
}

export interface StartupLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface CreatedContext {
  ctx: AppContext;
  quickStart: QuickStartState | undefined;
  close(): Promise<void>;
}

/** Opens every dependency in order: database, migrations, quick-start seed, Redis, health. */
export async function createContext(config: Config, log: StartupLogger): Promise<CreatedContext> {
  const db = await openDatabase(config, {
    onPoolError: (error) =>
      log.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, 'idle database connection lost'),
  });
  try {
    if (config.runMigrations) {
      const report = await migrate(db);
      log.info({ applied: report.applied, already_applied: report.alreadyApplied.length }, 'migrations checked');
    }
    // With RUN_MIGRATIONS=false on an empty database the service still starts, and /health says
    // what is missing instead of the process crash-looping.
    const interrupted = (await schemaPresent(db)) ? await failInterruptedRuns(db, config.instanceId) : 0;
    if (interrupted > 0) log.warn({ runs: interrupted }, 'ingestion runs left running by a stopped process were marked failed');

    const quickStart = config.databaseUrl ? undefined : await prepareQuickStart(config, db);
    const serviceToken = config.serviceToken ?? quickStart?.service_token;
    if (!serviceToken) throw new Error('SERVICE_TOKEN is required');

    const redis = config.redisUrl
      ? connectRedis(config.redisUrl, (error) =>
          log.warn({ err: { message: error.message } }, 'redis unavailable; using in-process fallbacks'),
        )
      : undefined;
    const jwt = config.jwtSecretKey ? new JwtCodec(config.jwtSecretKey, config.jwtTtlSeconds) : undefined;
    const reads = openReadSide(config, db, redis, {
      onPoolError: (error) =>
        log.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, 'idle read-replica connection lost'),
      onReplicaDown: (error) =>
        log.warn(
          { err: { message: (error as Error).message, code: (error as { code?: string }).code } },
          'read replica unreachable; reading from the primary',
        ),
    });
    const health = new HealthService(config, db, redis, version, reads);
    // Resumes the recomputes a stopped process left, then runs those configuration changes ask for.
    const readCache = new KpiReadCache(redis);
    const recompute = new RecomputeWorker(db, config.instanceId, log, readCache);
    if (await schemaPresent(db)) recompute.start();
    const activeRuns = new ActiveRuns();
    const exportQueue = new ExportQueue();
    const credentials = new CredentialCache();
    const ctx: AppContext = {
      config,
      db,
      reads,
      health,
      jwt,
      redis,
      serviceToken,
      recompute,
      readCache,
      activeRuns,
      exportQueue,
      credentials,
    };
    return {
      ctx,
      quickStart,
      async close() {
        await recompute.stop();
        await redis?.close();
        await reads.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
