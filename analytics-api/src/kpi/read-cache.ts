import { createHash } from 'node:crypto';
import type { RedisConnection } from '../redis/redis-connection.js';

/**
 * Cache of serialized GET /v1/kpis/daily answers, per (database handle, tenant, period, group_by),
 * with their ETag (docs/benchmarks.md, "Public API: caches"). One per app context
 * (server/create-context.ts): two apps in one process never share answers or versions.
 *
 * An answer only changes when the tenant's stored KPIs, its configuration or its time entries (the
 * currency) change, and each of those bumps the tenant's KPI version; every answer is stored with
 * the version it was read under and served only while the version is the same:
 * - in-process, a bump drops the tenant's answers at once;
 * - with REDIS_URL the version is a Redis counter (INCR on a bump, GET on each read), so every
 *   replica sees a change made by any other at once. When Redis is unreachable, reads and bumps fall
 *   back to the in-process version; what another replica changed meanwhile is then seen within
 *   ANSWER_TTL_MS, the age after which an answer is read again whatever its version.
 * Bounded by MAX_ANSWERS entries and MAX_BYTES of bodies (oldest stored evicted first: an answer lives
 * ANSWER_TTL_MS at most anyway, and a read does not reorder the map).
 */

export const ANSWER_TTL_MS = 30_000;
const MAX_ANSWERS = 2_000;
const MAX_BYTES = 32 * 1024 * 1024;
const REDIS_PREFIX = 'msp:kpi-version:';

/** A serialized answer and its strong ETag. */
export interface KpiAnswer {
  body: string;
  etag: string;
}

interface Entry extends KpiAnswer {
  tenantId: string;
  version: string;
  expires: number;
}

/**
 * The ETag of an answer: a digest of the tenant and the bytes. Equal bytes get equal tags whatever
 * replica or process served them, new bytes (a recompute sets computed_at) a new tag, and the tenant
 * in the digest keeps one tenant's tag from ever matching another's answer.
 */
export function etagOf(tenantId: string, body: string): string {
  return `"${createHash('sha256').update(tenantId).update('\0').update(body).digest('base64url').slice(0, 27)}"`;
}

export function answerKey(
  scope: number,
  tenantId: string,
  period: { date?: string; from?: string; to?: string },
  groupBy?: string,
): string {
  return `${scope}|${tenantId}|${period.date ?? ''}|${period.from ?? ''}|${period.to ?? ''}|${groupBy ?? ''}`;
}

export class KpiReadCache {
  readonly #answers = new Map<string, Entry>();
  #bytes = 0;
  readonly #localVersions = new Map<string, number>();

  constructor(private readonly redis: RedisConnection | undefined) {}

  #localVersion(tenantId: string): string {
    return `l${this.#localVersions.get(tenantId) ?? 0}`;
  }

  /** The tenant's KPI version: the Redis counter when Redis answers, else the in-process one. */
  async version(tenantId: string): Promise<string> {
    if (this.redis?.isUp()) {
      try {
        const value = await this.redis.client.get(REDIS_PREFIX + tenantId);
        // The local part changes too when this process bumped while Redis was down.
        return `r${value ?? 0}.${this.#localVersion(tenantId)}`;
      } catch {
        // fall through: in-process version
      }
    }
    return this.#localVersion(tenantId);
  }

  /** After a change to what /v1 serves for the tenant committed: new version, old answers dropped. */
  async bump(tenantId: string): Promise<void> {
    this.#localVersions.set(tenantId, (this.#localVersions.get(tenantId) ?? 0) + 1);
    for (const [key, entry] of this.#answers) {
      if (entry.tenantId === tenantId) this.#remove(key, entry);
    }
    if (this.redis?.isUp()) {
      try {
        await this.redis.client.incr(REDIS_PREFIX + tenantId);
      } catch {
        // Other replicas see the change within ANSWER_TTL_MS.
      }
    }
  }

  #remove(key: string, entry: Entry): void {
    this.#answers.delete(key);
    this.#bytes -= entry.body.length;
  }

  get(key: string, version: string, now = Date.now()): KpiAnswer | undefined {
    const entry = this.#answers.get(key);
    if (!entry) return undefined;
    if (entry.version !== version || entry.expires <= now) {
      this.#remove(key, entry);
      return undefined;
    }
    return entry;
  }

  /** Keeps the answer (when it fits) and returns it with its ETag. */
  remember(key: string, tenantId: string, version: string, body: string): KpiAnswer {
    const entry: Entry = { tenantId, version, body, etag: etagOf(tenantId, body), expires: Date.now() + ANSWER_TTL_MS };
    if (body.length > MAX_BYTES / 8) return entry;
    const previous = this.#answers.get(key);
    if (previous) this.#remove(key, previous);
    while (this.#answers.size >= MAX_ANSWERS || this.#bytes + body.length > MAX_BYTES) {
      const oldest = this.#answers.entries().next();
      if (oldest.done) break;
      this.#remove(oldest.value[0], oldest.value[1]);
    }
    this.#answers.set(key, entry);
    this.#bytes += body.length;
    return entry;
  }

  /** Drops every answer and version. */
  clear(): void {
    this.#answers.clear();
    this.#localVersions.clear();
    this.#bytes = 0;
  }

  stats(): { entries: number; bytes: number } {
    return { entries: this.#answers.size, bytes: this.#bytes };
  }
}
