import type { Queryable } from '../db/database.js';
import { touchApiKey } from '../tenants/tenant-store.js';

/**
 * In-process caches on the credential path (docs/benchmarks.md, "Public API: caches"):
 *
 * - successful API-key lookups (key hash → tenant, key id) and active tenants (for bearer tokens),
 *   kept CREDENTIAL_TTL_MS and at most MAX_ENTRIES each. Only successes are cached: an unknown,
 *   revoked or inactive credential is looked up in the database every time, so a refusal is never
 *   served from memory. Revoking a key or deactivating a tenant through tenant-service drops the
 *   tenant's entries at once in this process; another replica (or the CLI in its own process) is
 *   seen within CREDENTIAL_TTL_MS at most.
 * - key usage: last_used_at is written on the first use, then at most once a USAGE_FLUSH_MS per
 *   key (an unref'd timer writes a pending use), instead of one UPDATE per request.
 *
 * One CredentialCache per application (AppContext.credentials, made in createContext): two
 * applications in one process (replicas in a test) share no answer, as two processes would not. A
 * caller without one (the CLI, its own process) reads the database every time.
 */

export const CREDENTIAL_TTL_MS = 15_000;
const MAX_ENTRIES = 10_000;
const USAGE_FLUSH_MS = 60_000;

interface Expiring {
  tenantId: string;
  expires: number;
}

/** A Map with a TTL per entry and a size bound (oldest insertion evicted first). */
class TtlMap<V extends Expiring> {
  readonly #entries = new Map<string, V>();
  constructor(private readonly maxEntries: number) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, value);
  }

  deleteTenant(tenantId: string): void {
    for (const [key, entry] of this.#entries) if (entry.tenantId === tenantId) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

interface KeyEntry extends Expiring {
  keyId: string;
  /** When the key itself expires (ms); a cached key is not used past it. */
  expiresAt?: number;
}

interface Usage {
  db: Queryable;
  tenantId: string;
  keyId: string;
  /** When last_used_at was last written (ms), 0 never. */
  flushedAt: number;
  /** A use not written yet. */
  pending: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class CredentialCache {
  readonly #keys = new TtlMap<KeyEntry>(MAX_ENTRIES);
  readonly #tenants = new TtlMap<Expiring>(MAX_ENTRIES);
  /**
   * Bumped by every invalidation. A lookup remembers the epoch before its query and stores its answer
   * only if no invalidation happened meanwhile: a revoke racing a lookup cannot leave a live entry.
   */
  #epoch = 0;
  readonly #usage = new Map<string, Usage>();
  readonly #inFlight = new Set<Promise<void>>();

  get epoch(): number {
    return this.#epoch;
  }

  cachedKey(keyHash: string): { tenantId: string; keyId: string; expiresAt?: number } | undefined {
    return this.#keys.get(keyHash);
  }

  rememberKey(keyHash: string, tenantId: string, keyId: string, epochAtLookup: number, keyExpiresAt?: number): void {
    if (epochAtLookup !== this.#epoch) return;
    this.#keys.set(keyHash, { tenantId, keyId, expires: Date.now() + CREDENTIAL_TTL_MS, expiresAt: keyExpiresAt });
    this.#tenants.set(tenantId, { tenantId, expires: Date.now() + CREDENTIAL_TTL_MS });
  }

  /** True when the tenant was seen to exist and be active within the TTL (and not invalidated since). */
  isTenantKnownActive(tenantId: string): boolean {
    return this.#tenants.get(tenantId) !== undefined;
  }

  rememberActiveTenant(tenantId: string, epochAtLookup: number): void {
    if (epochAtLookup !== this.#epoch) return;
    this.#tenants.set(tenantId, { tenantId, expires: Date.now() + CREDENTIAL_TTL_MS });
  }

  /** Drops every cached key and the active state of the tenant. Call after revoke/deactivate/delete. */
  invalidateTenant(tenantId: string): void {
    this.#epoch += 1;
    this.#keys.deleteTenant(tenantId);
    this.#tenants.deleteTenant(tenantId);
  }

  /** Drops every cached answer (tests); pending key uses stay pending. */
  clear(): void {
    this.#epoch += 1;
    this.#keys.clear();
    this.#tenants.clear();
  }

  /** Records one use of a key: written now if due, else once the interval has passed. */
  recordKeyUse(db: Queryable, tenantId: string, keyId: string): void {
    let entry = this.#usage.get(keyId);
    if (!entry) {
      if (this.#usage.size >= MAX_ENTRIES) void this.flushKeyUsage();
      entry = { db, tenantId, keyId, flushedAt: 0, pending: false, timer: undefined };
      this.#usage.set(keyId, entry);
    }
    const now = Date.now();
    if (now - entry.flushedAt >= USAGE_FLUSH_MS) {
      this.#write(entry);
      return;
    }
    entry.pending = true;
    if (!entry.timer) {
      const current = entry;
      // +1 s: touchApiKey's own SQL guard skips writes less than a minute apart.
      current.timer = setTimeout(
        () => {
          current.timer = undefined;
          if (current.pending) this.#write(current);
          else this.#usage.delete(keyId);
        },
        entry.flushedAt + USAGE_FLUSH_MS + 1_000 - now,
      );
      current.timer.unref();
    }
  }

  /** Writes every pending use now and waits for the writes (the application's onClose, tests). */
  async flushKeyUsage(): Promise<void> {
    for (const [id, entry] of this.#usage) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = undefined;
      if (entry.pending) this.#write(entry);
      this.#usage.delete(id);
    }
    await Promise.all([...this.#inFlight]);
  }

  #write(entry: Usage): void {
    entry.flushedAt = Date.now();
    entry.pending = false;
    const done = touchApiKey(entry.db, entry.tenantId, entry.keyId)
      .catch(() => undefined) // informative only; a closed database must not fail a request
      .finally(() => this.#inFlight.delete(done));
    this.#inFlight.add(done);
  }
}
