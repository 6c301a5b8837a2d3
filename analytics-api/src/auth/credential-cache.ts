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
 * Entries are scoped to the Queryable they were read from (one scope per database handle), so two
 * databases in one process (tests) never share an answer.
 */

export const CREDENTIAL_TTL_MS = 15_000;
const MAX_ENTRIES = 10_000;
const USAGE_FLUSH_MS = 60_000;

const scopes = new WeakMap<object, number>();
let nextScope = 1;

/** A small number naming a database handle for the life of the process; a request's view of it (request.db) has the same. */
export function scopeOf(db: object): number {
  const handle = (db as { unscoped?: object }).unscoped ?? db;
  let scope = scopes.get(handle);
  if (scope === undefined) {
    scope = nextScope++;
    scopes.set(handle, scope);
  }
  return scope;
}

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

const keys = new TtlMap<KeyEntry>(MAX_ENTRIES);
const tenants = new TtlMap<Expiring>(MAX_ENTRIES);

/**
 * Bumped by every invalidation. A lookup remembers the epoch before its query and stores its answer
 * only if no invalidation happened meanwhile: a revoke racing a lookup cannot leave a live entry.
 */
let epoch = 0;

export function credentialEpoch(): number {
  return epoch;
}

export function cachedKey(db: object, keyHash: string): { tenantId: string; keyId: string; expiresAt?: number } | undefined {
  return keys.get(`${scopeOf(db)}:${keyHash}`);
}

export function rememberKey(
  db: object,
  keyHash: string,
  tenantId: string,
  keyId: string,
  epochAtLookup: number,
  keyExpiresAt?: number,
): void {
  if (epochAtLookup !== epoch) return;
  keys.set(`${scopeOf(db)}:${keyHash}`, { tenantId, keyId, expires: Date.now() + CREDENTIAL_TTL_MS, expiresAt: keyExpiresAt });
  tenants.set(`${scopeOf(db)}:${tenantId}`, { tenantId, expires: Date.now() + CREDENTIAL_TTL_MS });
}

/** True when the tenant was seen to exist and be active within the TTL (and not invalidated since). */
export function isTenantKnownActive(db: object, tenantId: string): boolean {
  return tenants.get(`${scopeOf(db)}:${tenantId}`) !== undefined;
}

export function rememberActiveTenant(db: object, tenantId: string, epochAtLookup: number): void {
  if (epochAtLookup !== epoch) return;
  tenants.set(`${scopeOf(db)}:${tenantId}`, { tenantId, expires: Date.now() + CREDENTIAL_TTL_MS });
}

/** Drops every cached key and the active state of the tenant (every scope). Call after revoke/deactivate. */
export function invalidateTenantCredentials(tenantId: string): void {
  epoch += 1;
  keys.deleteTenant(tenantId);
  tenants.deleteTenant(tenantId);
}

/** Drops everything (tests). */
export function clearCredentialCache(): void {
  epoch += 1;
  keys.clear();
  tenants.clear();
}

// ---------------------------------------------------------------------------------------------
// last_used_at

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

const usage = new Map<string, Usage>();
const inFlight = new Set<Promise<void>>();

function write(entry: Usage): void {
  entry.flushedAt = Date.now();
  entry.pending = false;
  const done = touchApiKey(entry.db, entry.tenantId, entry.keyId)
    .catch(() => undefined) // informative only; a closed database must not fail a request
    .finally(() => inFlight.delete(done));
  inFlight.add(done);
}

/** Records one use of a key: written now if due, else once the interval has passed. */
export function recordKeyUse(db: Queryable, tenantId: string, keyId: string): void {
  const id = `${scopeOf(db)}:${keyId}`;
  let entry = usage.get(id);
  if (!entry) {
    if (usage.size >= MAX_ENTRIES) void flushKeyUsage();
    entry = { db, tenantId, keyId, flushedAt: 0, pending: false, timer: undefined };
    usage.set(id, entry);
  }
  const now = Date.now();
  if (now - entry.flushedAt >= USAGE_FLUSH_MS) {
    write(entry);
    return;
  }
  entry.pending = true;
  if (!entry.timer) {
    const current = entry;
    // +1 s: touchApiKey's own SQL guard skips writes less than a minute apart.
    current.timer = setTimeout(
      () => {
        current.timer = undefined;
        if (current.pending) write(current);
        else usage.delete(id);
      },
      entry.flushedAt + USAGE_FLUSH_MS + 1_000 - now,
    );
    current.timer.unref();
  }
}

/** Writes every pending use now and waits for the writes (shutdown, tests). */
export async function flushKeyUsage(): Promise<void> {
  for (const [id, entry] of usage) {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.pending) write(entry);
    usage.delete(id);
  }
  await Promise.all([...inFlight]);
}
