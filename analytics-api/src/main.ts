import './server/heap-growth.js';
import pino from 'pino';
import { ConfigError, loadConfig } from './config/config.js';
import { loggerOptions } from './http/logger.js';
import { buildApp } from './http/app.js';
import { createContext } from './server/create-context.js';
import { quickStartBanner } from './server/quick-start.js';
import { version } from './server/version.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = pino(loggerOptions(config.logLevel) as pino.LoggerOptions);
  const created = await createContext(config, log);
  const app = await buildApp(created.ctx, { version });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new connections, finishing in-flight requests');
    const deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    try {
      await app.close();
      await created.close();
      // The last line of a clean stop: after Ctrl-C the user sees that nothing is left running.
      log.info({ signal }, 'stopped');
      log.flush?.();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  if (created.quickStart) process.stdout.write(`${quickStartBanner(created.quickStart, config.port)}\n`);
}

main().catch((error: unknown) => {
  const { message, code } = (error ?? {}) as { message?: string; code?: string };
  process.stderr.write(`analytics-api failed to start: ${code ? `${code} ` : ''}${message ?? String(error)}\n`);
  process.exit(1);
});
