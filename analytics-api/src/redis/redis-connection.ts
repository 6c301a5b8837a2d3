import { Redis } from 'ioredis';

/**
 * Optional shared Redis (REDIS_URL). Tuned to fail fast: with ioredis defaults a dead Redis makes
 * every command wait for reconnection, while the API must keep serving on in-process fallbacks.
 */
export interface RedisConnection {
  client: Redis;
  isUp(): boolean;
  ping(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

export function connectRedis(url: string, onError: (error: Error) => void): RedisConnection {
  const client = new Redis(url, {
    connectTimeout: 500,
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastErrorLogged = 0;
  client.on('error', (error) => {
    // Reconnection attempts repeat the same error; log it at most every 30 s.
    if (Date.now() - lastErrorLogged > 30_000) {
      lastErrorLogged = Date.now();
      onError(error);
    }
  });
  return {
    client,
    isUp: () => client.status === 'ready',
    async ping() {
      if (client.status !== 'ready') return { ok: false, detail: `degraded: not connected (${client.status}); using in-process fallbacks` };
      try {
        await client.ping();
        return { ok: true, detail: 'connected' };
      } catch (error) {
        return { ok: false, detail: `degraded: ${(error as Error).message}; using in-process fallbacks` };
      }
    },
    async close() {
      client.disconnect();
    },
  };
}
