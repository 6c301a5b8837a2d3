import type { RedisConnection } from '../redis/redis-connection.js';
import { laterKey } from './lsn.js';

/**
 * Where the service remembers, per tenant, the primary's WAL position after the tenant's last write
 * (lsn.ts key form), so that a later read of that tenant — in this process or in another API replica
 * behind the same load balancer — can wait for the read replica to have replayed it.
 *
 * Remembered by the service rather than passed by the caller: n8n, the dashboard and Power BI then
 * need no change, and a read arriving at another replica than the write still sees it. Shared through
 * Redis when REDIS_URL is set (one small key per tenant, kept a day — far longer than any replay lag
 * the wait would accept), always also kept in process: a single replica needs no Redis, and while
 * Redis is down a replica still honours its own writes.
 */
export interface WritePositions {
  /** `scope`: a tenant id, or ALL_TENANTS for a write whose tenant is not known. Keeps the later position. */
  remember(scope: string, key: string): Promise<void>;
  /** The latest position remembered for the tenant or for ALL_TENANTS. */
  latest(tenantId: string): Promise<string | undefined>;
}

export const ALL_TENANTS = '*';
const TTL_MS = 24 * 60 * 60 * 1000;
const PREFIX = 'analytics:wal-written:';

// Keys are fixed-width hex, so string comparison is position order.
const REMEMBER_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current or ARGV[1] > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`;

type ScriptedRedis = RedisConnection['client'] & {
  rememberWalPosition(key: string, position: string, ttlMs: number): Promise<number>;
};

export function createWritePositions(redis: RedisConnection | undefined): WritePositions {
  const local = new Map<string, string>();
  const client = redis?.client as ScriptedRedis | undefined;
  // defineCommand sends EVALSHA and falls back to EVAL when the script is not cached yet.
  client?.defineCommand('rememberWalPosition', { numberOfKeys: 1, lua: REMEMBER_SCRIPT });

  return {
    async remember(given, key) {
      const scope = given.toLowerCase();
      local.set(scope, laterKey(local.get(scope), key)!);
      if (client && redis!.isUp()) await client.rememberWalPosition(PREFIX + scope, key, TTL_MS).catch(() => undefined);
    },
    async latest(given) {
      const tenantId = given.toLowerCase();
      let latest = laterKey(local.get(tenantId), local.get(ALL_TENANTS));
      if (client && redis!.isUp()) {
        const shared = await client.mget(PREFIX + tenantId, PREFIX + ALL_TENANTS).catch(() => [null, null]);
        for (const value of shared) latest = laterKey(latest, value ?? undefined);
      }
      return latest;
    },
  };
}
