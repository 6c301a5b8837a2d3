import { hash, randomBytes } from 'node:crypto';

/**
 * Tenant API keys: `msk_<tenant id as base64url>_<32 random bytes as base64url>`.
 * The tenant is readable from the key so that the lookup runs on (tenant_id, key_hash), like every
 * other tenant-owned index. Only the SHA-256 of the whole key is stored; the key is shown once.
 */
const KEY_PATTERN = /^msk_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  key: string;
  hash: string;
  prefix: string;
}

function uuidToBase64url(uuid: string): string {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64url');
}

function base64urlToUuid(encoded: string): string {
  const hex = Buffer.from(encoded, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// One-shot hash (Node ≥ 20.12): no Hash object per request, which showed in the /v1 profile.
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

export function generateApiKey(tenantId: string): GeneratedApiKey {
  const secret = randomBytes(32).toString('base64url');
  const key = `msk_${uuidToBase64url(tenantId)}_${secret}`;
  // The tenant part is the same for all keys of a tenant: the prefix shows some of the secret too,
  // so that people can tell keys apart (6 of 43 characters: nothing useful to guess with).
  return { key, hash: hashApiKey(key), prefix: `msk_…${secret.slice(0, 6)}` };
}

/** The tenant a well-formed key claims to belong to, or null for anything malformed. */
export function tenantIdOfApiKey(key: string): string | null {
  const match = KEY_PATTERN.exec(key);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64url');
  return decoded.length === 16 ? base64urlToUuid(match[1]) : null;
}
