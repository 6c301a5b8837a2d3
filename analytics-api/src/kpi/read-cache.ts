import type { RedisConnection } from '../redis/redis-connection.js';

/**
 * Cache of serialized GET /v1/kpis/daily answers, per (database handle, tenant, period, group_by)
 * (docs/benchmarks.md, "Public API: caches").
 *
 * An answer only changes when computeDaily commits for the tenant, so every answer is stored with
 * the tenant's KPI version and served only while the version is the same:
 * - in-process, computeDaily bumps the version and drops the tenant's answers right after commit;
 * - with REDIS_URL the version is a Redis counter (INCR on compute, GET on each read), so every
 *   replica sees a compute of any other at once. When Redis is unreachable, reads and computes fall
 *   back to the in-process version; what another replica computed meanwhile is then seen within
 *   ANSWER_TTL_MS, the age after which an answer is read again whatever its version.
 * Bounded by MAX_ANSWERS entries and MAX_BYTES of bodies (least recently used evicted first).
 */

export const ANSWER_TTL_MS = 30_000;
export const MAX_ANSWERS = 2_000;
export const MAX_BYTES = 32 * 1024 * 1024;
const REDIS_PREFIX = 'msp:kpi-version:';

interface Answer {
  tenantId: string;
  version: string;
  body: string;
  expires: number;
}

const answers = new Map<string, Answer>();
let bytes = 0;
const localVersions = new Map<string, number>();
let sharedRedis: RedisConnection | undefined;

/** The Redis holding the shared versions (set once by the routes when REDIS_URL is configured). */
export function useVersionRedis(redis: RedisConnection | undefined): void {
  sharedRedis = redis;
}

function localVersion(tenantId: string): string {
  return `l${localVersions.get(tenantId) ?? 0}`;
}

/** The tenant's KPI version: the Redis counter when Redis answers, else the in-process one. */
export async function kpiVersion(tenantId: string, redis: RedisConnection | undefined = sharedRedis): Promise<string> {
  if (redis?.isUp()) {
    try {
      const value = await redis.client.get(REDIS_PREFIX + tenantId);
      // The local part changes too when this process computed while Redis was down.
      return `r${value ?? 0}.${localVersion(tenantId)}`;
    } catch {
      // fall through: in-process version
    }
  }
  return localVersion(tenantId);
}

/** After computeDaily committed: new version (in-process and, when up, in Redis), old answers dropped. */
export async function bumpKpiVersion(tenantId: string, redis: RedisConnection | undefined = sharedRedis): Promise<void> {
  localVersions.set(tenantId, (localVersions.get(tenantId) ?? 0) + 1);
  for (const [key, answer] of answers) {
    if (answer.tenantId === tenantId) remove(key, answer);
  }
  if (redis?.isUp()) {
    try {
      await redis.client.incr(REDIS_PREFIX + tenantId);
    } catch {
      // Other replicas see the change within ANSWER_TTL_MS.
    }
  }
}

function remove(key: string, answer: Answer): void {
  answers.delete(key);
  bytes -= answer.body.length;
}

export function answerKey(scope: number, tenantId: string, period: { date?: string; from?: string; to?: string }, groupBy?: string): string {
  return `${scope}|${tenantId}|${period.date ?? ''}|${period.from ?? ''}|${period.to ?? ''}|${groupBy ?? ''}`;
}

export function cachedAnswer(key: string, version: string, now = Date.now()): string | undefined {
  const answer = answers.get(key);
  if (!answer) return undefined;
  if (answer.version !== version || answer.expires <= now) {
    remove(key, answer);
    return undefined;
  }
  // Most recently used last.
  answers.delete(key);
  answers.set(key, answer);
  return answer.body;
}

export function rememberAnswer(key: string, tenantId: string, version: string, body: string): void {
  if (body.length > MAX_BYTES / 8) return;
  const previous = answers.get(key);
  if (previous) remove(key, previous);
  while (answers.size >= MAX_ANSWERS || bytes + body.length > MAX_BYTES) {
    const oldest = answers.entries().next();
    if (oldest.done) break;
    remove(oldest.value[0], oldest.value[1]);
  }
  answers.set(key, { tenantId, version, body, expires: Date.now() + ANSWER_TTL_MS });
  bytes += body.length;
}

/** Drops every answer and version (tests). */
export function clearReadCache(): void {
  answers.clear();
  localVersions.clear();
  bytes = 0;
}

export function readCacheStats(): { entries: number; bytes: number } {
  return { entries: answers.size, bytes };
}
