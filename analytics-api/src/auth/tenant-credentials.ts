import { hashApiKey, tenantIdOfApiKey } from './api-keys.js';
import type { JwtCodec } from './jwt.js';
import type { Queryable } from '../db/database.js';
import { unauthorized } from '../errors.js';
import { findKeyOwner, findTenant, touchApiKey } from '../tenants/tenant-store.js';

export interface TenantPrincipal {
  tenantId: string;
  /** The key id, or "jwt" for bearer tokens. */
  credentialId: string;
}

/** Resolves an API key to its tenant. Every refusal has the same status; the reason is kept short. */
export async function authenticateApiKey(db: Queryable, key: string): Promise<TenantPrincipal> {
  const tenantId = tenantIdOfApiKey(key.trim());
  if (!tenantId) throw unauthorized('malformed API key');
  const owner = await findKeyOwner(db, tenantId, hashApiKey(key.trim()));
  if (!owner) throw unauthorized('unknown API key');
  if (owner.revoked) throw unauthorized('API key revoked');
  if (!owner.tenant_active) throw unauthorized('tenant inactive');
  await touchApiKey(db, tenantId, owner.key_id);
  return { tenantId, credentialId: owner.key_id };
}

export async function authenticateJwt(db: Queryable, jwt: JwtCodec | undefined, token: string): Promise<TenantPrincipal> {
  if (!jwt) throw unauthorized('bearer tokens are disabled on this server (JWT_SECRET_KEY unset); use X-API-Key');
  const claims = await jwt.verify(token);
  if ('refused' in claims) throw unauthorized(claims.refused);
  const tenant = await findTenant(db, claims.tenantId);
  if (!tenant) throw unauthorized('token tenant unknown');
  if (!tenant.active) throw unauthorized('tenant inactive');
  return { tenantId: tenant.id, credentialId: 'jwt' };
}
