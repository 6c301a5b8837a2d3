import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateApiKey, hashApiKey, tenantIdOfApiKey } from '../auth/api-keys.js';
import type { CredentialCache } from '../auth/credential-cache.js';
import type { Database, Queryable } from '../db/database.js';
import { invalid, notFound } from '../errors.js';
import { SOURCES } from '../ingest/canonical.js';
import { isUuid } from './tenant-id.js';
import * as store from './tenant-store.js';

export interface TenantInput {
  id?: string;
  name: string;
  timezone?: string;
  dailyCapacityHours?: number;
  source?: string;
  active?: boolean;
}

export interface Tenant {
  id: string;
  name: string;
  timezone: string;
  daily_capacity_hours: number;
  source: string;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface IssuedApiKey {
  tenant_id: string;
  name: string;
  key: string;
  expires_at?: string;
}

function toTenant(row: store.TenantRow): Tenant {
  return { ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

export function assertUuid(value: string | undefined, field: string): string {
  if (!isUuid(value)) throw invalid(`${field} must be a UUID`, [{ field, detail: 'not a UUID' }]);
  return value.toLowerCase();
}

async function validatedTenant(db: Queryable, input: TenantInput): Promise<store.NewTenant> {
  const name = input.name?.trim();
  if (!name) throw invalid('name is required', [{ field: 'name', detail: 'empty' }]);
  const timezone = input.timezone ?? 'UTC';
  if (!(await store.isKnownTimezone(db, timezone))) {
    throw invalid(`timezone "${timezone}" is not an IANA time zone known to PostgreSQL`, [{ field: 'timezone', detail: 'unknown' }]);
  }
  const source = input.source ?? 'canonical';
  if (!(SOURCES as readonly string[]).includes(source)) {
    throw invalid(`source must be one of ${SOURCES.join(', ')}`, [{ field: 'source', detail: 'unknown' }]);
  }
  const capacity = input.dailyCapacityHours ?? 8;
  if (!Number.isFinite(capacity) || capacity <= 0 || capacity > 24) {
    throw invalid('daily capacity must be more than 0 and at most 24 hours', [{ field: 'daily_capacity_hours', detail: 'out of range' }]);
  }
  return {
    id: input.id === undefined ? undefined : assertUuid(input.id, 'id'),
    name,
    timezone,
    dailyCapacityHours: capacity,
    source,
    active: input.active,
  };
}

export async function createTenant(db: Database, input: TenantInput): Promise<Tenant> {
  const tenant = await validatedTenant(db, input);
  if (tenant.id && (await store.findTenant(db, tenant.id))) throw invalid(`tenant ${tenant.id} already exists`);
  return toTenant((await store.insertTenant(db, tenant)).tenant);
}

export async function listTenants(db: Queryable): Promise<Tenant[]> {
  return (await store.listTenants(db)).map(toTenant);
}

export async function getTenant(db: Queryable, id: string): Promise<Tenant> {
  const row = await store.findTenant(db, assertUuid(id, 'tenant_id'));
  if (!row) throw notFound(`tenant ${id} does not exist`);
  return toTenant(row);
}

/** `credentials`: the application's cache (AppContext.credentials), whose entries of the tenant stop at once. */
export async function setTenantActive(db: Queryable, id: string, active: boolean, credentials?: CredentialCache): Promise<Tenant> {
  const row = await store.setTenantActive(db, assertUuid(id, 'tenant_id'), active);
  // Other applications (replicas, processes) see it within the cache TTL.
  credentials?.invalidateTenant(assertUuid(id, 'tenant_id'));
  if (!row) throw notFound(`tenant ${id} does not exist`);
  return toTenant(row);
}

const EXPIRY = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `YYYY-MM-DD` (midnight UTC) or an ISO instant with its offset, strictly in the future. */
export function parseExpiry(value: string, now = new Date()): Date {
  const trimmed = value.trim();
  const instant = EXPIRY.test(trimmed) ? new Date(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed) : new Date(Number.NaN);
  if (Number.isNaN(instant.getTime())) {
    throw invalid(`expires_at "${value}" is not a date (YYYY-MM-DD) or an ISO 8601 instant with its offset`, [
      { field: 'expires_at', detail: 'not a date' },
    ]);
  }
  if (instant.getTime() <= now.getTime())
    throw invalid(`expires_at ${instant.toISOString()} is not in the future`, [{ field: 'expires_at', detail: 'in the past' }]);
  return instant;
}

export async function createApiKey(db: Queryable, tenantId: string, name: string, expiresAt?: string): Promise<IssuedApiKey> {
  const tenant = await getTenant(db, tenantId);
  const keyName = name.trim();
  if (!keyName) throw invalid('key name is required', [{ field: 'name', detail: 'empty' }]);
  const expiry = expiresAt === undefined ? undefined : parseExpiry(expiresAt);
  const generated = generateApiKey(tenant.id);
  await store.insertApiKey(db, { tenantId: tenant.id, name: keyName, hash: generated.hash, prefix: generated.prefix, expiresAt: expiry });
  return { tenant_id: tenant.id, name: keyName, key: generated.key, ...(expiry ? { expires_at: expiry.toISOString() } : {}) };
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  state: 'active' | 'expired' | 'revoked';
}

/** The tenant's keys, oldest first, without anything secret (only the hash is stored anyway). */
export async function listApiKeys(db: Queryable, tenantId: string, now = new Date()): Promise<ApiKeyInfo[]> {
  const tenant = await getTenant(db, tenantId);
  return (await store.listApiKeys(db, tenant.id)).map((row) => ({
    id: row.id,
    name: row.name,
    key_prefix: row.key_prefix,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    expires_at: row.expires_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    state: row.revoked_at ? 'revoked' : row.expires_at && row.expires_at <= now ? 'expired' : 'active',
  }));
}

export interface RevokeMatch {
  keyId?: string;
  name?: string;
  prefix?: string;
  /** The plain key itself: its prefix identifies it. */
  key?: string;
}

export async function revokeApiKeys(db: Queryable, tenantId: string | undefined, match: RevokeMatch, credentials?: CredentialCache) {
  const owner = tenantId ?? (match.key ? (tenantIdOfApiKey(match.key) ?? undefined) : undefined);
  const tenant = await getTenant(db, owner ?? '');
  if (!match.keyId && !match.name && !match.prefix && !match.key) {
    throw invalid('say which key to revoke: --id, --name, --prefix or --key');
  }
  const revoked = await store.revokeApiKeys(db, tenant.id, {
    id: match.keyId === undefined ? undefined : assertUuid(match.keyId, 'id'),
    name: match.name,
    prefix: match.prefix,
    // A presented key is matched exactly, by its hash.
    hash: match.key === undefined ? undefined : hashApiKey(match.key.trim()),
  });
  // This application's cached credentials stop at once (others: within the cache TTL).
  credentials?.invalidateTenant(tenant.id);
  if (revoked.length === 0) throw notFound('no active key matched');
  return revoked.map((row) => ({ tenant_id: row.tenant_id, id: row.id, name: row.name, key_prefix: row.key_prefix }));
}

interface MockTenantFileEntry {
  id: string;
  name: string;
  timezone?: string;
  daily_capacity_hours?: number;
  source?: string;
}

export interface SeedResult {
  tenants: Tenant[];
  api_keys: IssuedApiKey[];
  created_tenants: string[];
}

/**
 * Creates the tenants listed in `<mockDataPath>/tenants.json` (existing ones are left alone) and
 * one API key for each tenant that has no live key yet. Safe to run any number of times.
 */
export async function seedMockTenants(db: Database, mockDataPath: string): Promise<SeedResult> {
  const file = join(mockDataPath, 'tenants.json');
  let entries: MockTenantFileEntry[];
  try {
    entries = JSON.parse(await readFile(file, 'utf8')) as MockTenantFileEntry[];
  } catch (error) {
    throw notFound(`cannot read tenants.json in MOCK_DATA_PATH (${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'})`);
  }
  if (!Array.isArray(entries)) throw invalid('tenants.json must hold an array of tenants');
  const tenants: Tenant[] = [];
  const created: string[] = [];
  for (const entry of entries) {
    const validated = await validatedTenant(db, {
      id: entry.id,
      name: entry.name,
      timezone: entry.timezone,
      dailyCapacityHours: entry.daily_capacity_hours,
      source: entry.source,
    });
    const result = await store.insertTenant(db, validated, true);
    if (result.created) created.push(result.tenant.id);
    tenants.push(toTenant(result.tenant));
  }
  const withKeys = await store.tenantsWithLiveKeys(
    db,
    tenants.map((t) => t.id),
  );
  const apiKeys: IssuedApiKey[] = [];
  for (const tenant of tenants) {
    if (!withKeys.has(tenant.id)) apiKeys.push(await createApiKey(db, tenant.id, 'mock-seed'));
  }
  return { tenants, api_keys: apiKeys, created_tenants: created };
}
