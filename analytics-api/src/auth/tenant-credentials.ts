import { hashApiKey, tenantIdOfApiKey } from './api-keys.js';
import type { CredentialCache } from './credential-cache.js';
import type { JwtCodec } from './jwt.js';
import type { Queryable } from '../db/database.js';
import { unauthorized } from '../errors.js';
import { findKeyOwner, findTenant, touchApiKey } from '../tenants/tenant-store.js';

export interface TenantPrincipal {
  tenantId: string;
  /** The key id, or "jwt" for bearer tokens. */
  credentialId: string;
}

/**
 * Resolves an API key to its tenant. Every refusal has the same status; the reason is kept short.
 * With the application's cache (AppContext.credentials), successful lookups are kept a few seconds
 * and last_used_at is written at most once a minute (auth/credential-cache.ts); refusals never are
 * cached. Without one (a one-off caller), every call reads and writes the database.
 */
export async function authenticateApiKey(db: Queryable, key: string, credentials?: CredentialCache): Promise<TenantPrincipal> {
  const trimmed = key.trim();
  const hash = hashApiKey(trimmed);
  // Only a well-formed key whose tenant part named its owner was cached, and equal hashes are equal
  // keys: a hit needs no parsing of the key (which the /v1 profile showed on every request).
  const cached = credentials?.cachedKey(hash);
  if (cached && (cached.expiresAt === undefined || cached.expiresAt > Date.now())) {
    credentials!.recordKeyUse(db, cached.tenantId, cached.keyId);
    return { tenantId: cached.tenantId, credentialId: cached.keyId };
  }
  const tenantId = tenantIdOfApiKey(trimmed);
  if (!tenantId) throw unauthorized('malformed API key');
  const epoch = credentials?.epoch ?? 0;
  const owner = await findKeyOwner(db, tenantId, hash);
  if (!owner) throw unauthorized('unknown API key');
  if (owner.revoked) throw unauthorized('API key revoked');
  if (owner.expired) throw unauthorized(`API key expired at ${owner.expires_at?.toISOString()}: ask for a new key`);
  if (!owner.tenant_active) throw unauthorized('tenant inactive');
  if (credentials) {
    credentials.rememberKey(hash, tenantId, owner.key_id, epoch, owner.expires_at?.getTime());
    credentials.recordKeyUse(db, tenantId, owner.key_id);
  } else await touchApiKey(db, tenantId, owner.key_id);
  return { tenantId, credentialId: owner.key_id };
}

export async function authenticateJwt(
  db: Queryable,
  jwt: JwtCodec | undefined,
  token: string,
  credentials?: CredentialCache,
): Promise<TenantPrincipal> {
  if (!jwt) throw unauthorized('bearer tokens are disabled on this server (JWT_SECRET_KEY unset); use X-API-Key');
  const claims = await jwt.verify(token);
  if ('refused' in claims) throw unauthorized(claims.refused);
  if (credentials?.isTenantKnownActive(claims.tenantId)) return { tenantId: claims.tenantId, credentialId: 'jwt' };
  const epoch = credentials?.epoch ?? 0;
  const tenant = await findTenant(db, claims.tenantId);
  if (!tenant) throw unauthorized('token tenant unknown');
  if (!tenant.active) throw unauthorized('tenant inactive');
  credentials?.rememberActiveTenant(tenant.id, epoch);
  return { tenantId: tenant.id, credentialId: 'jwt' };
}
