import type { PsaSource } from '../ingest/canonical.js';
import { invalid, type FieldError } from '../errors.js';

/** What a tenant's PSA connection holds, per PSA (docs/connectors.md). */
const PSAS: readonly PsaSource[] = ['connectwise', 'autotask', 'halopsa'];

interface CredentialField {
  name: string;
  required: boolean;
  /** Secret fields are masked in every answer; the others identify the account and are shown. */
  secret: boolean;
}

const CREDENTIAL_FIELDS: Record<PsaSource, CredentialField[]> = {
  connectwise: [
    { name: 'company', required: true, secret: false },
    { name: 'public_key', required: true, secret: false },
    { name: 'private_key', required: true, secret: true },
    { name: 'client_id', required: true, secret: true },
  ],
  autotask: [
    { name: 'username', required: true, secret: false },
    { name: 'secret', required: true, secret: true },
    { name: 'integration_code', required: true, secret: true },
  ],
  halopsa: [
    { name: 'client_id', required: true, secret: false },
    { name: 'client_secret', required: true, secret: true },
    { name: 'tenant', required: false, secret: false },
  ],
};

export type Credentials = Record<string, string>;

export interface Connection {
  tenantId: string;
  psa: PsaSource;
  /** ConnectWise: the API root with its codebase; Autotask: the zone URL (undefined → zone lookup); Halo: the instance URL. */
  baseUrl: string | undefined;
  credentials: Credentials;
}

const MASK = '********';

export function maskCredentials(psa: PsaSource, credentials: Credentials): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const field of CREDENTIAL_FIELDS[psa]) {
    const value = credentials[field.name];
    if (value !== undefined) masked[field.name] = field.secret ? MASK : value;
  }
  return masked;
}

/** Validates the PUT body (or the CLI's flags and file); the message names fields, never values. */
export function parseConnectionInput(tenantId: string, input: { psa?: unknown; base_url?: unknown; credentials?: unknown }): Connection {
  const errors: FieldError[] = [];
  const psa = input.psa;
  if (typeof psa !== 'string' || !(PSAS as readonly string[]).includes(psa)) {
    throw invalid(`psa must be one of ${PSAS.join(', ')}`, [{ field: 'psa', detail: 'unknown' }]);
  }
  const p = psa as PsaSource;
  let baseUrl: string | undefined;
  if (input.base_url !== undefined && input.base_url !== null && input.base_url !== '') {
    if (typeof input.base_url !== 'string') {
      errors.push({ field: 'base_url', detail: 'must be a string' });
    } else {
      try {
        const url = new URL(input.base_url);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') errors.push({ field: 'base_url', detail: 'must be an http(s) URL' });
        else baseUrl = input.base_url.replace(/\/+$/, '');
      } catch {
        errors.push({ field: 'base_url', detail: 'is not a URL' });
      }
    }
  } else if (p !== 'autotask') {
    errors.push({ field: 'base_url', detail: `is required for ${p}` });
  }
  const given = input.credentials;
  const credentials: Credentials = {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    errors.push({ field: 'credentials', detail: 'must be an object' });
  } else {
    const known = new Set(CREDENTIAL_FIELDS[p].map((f) => f.name));
    for (const key of Object.keys(given))
      if (!known.has(key)) errors.push({ field: `credentials.${key}`, detail: `not a ${p} credential` });
    for (const field of CREDENTIAL_FIELDS[p]) {
      const value = (given as Record<string, unknown>)[field.name];
      if (value === undefined || value === null || value === '') {
        if (field.required) errors.push({ field: `credentials.${field.name}`, detail: 'required' });
      } else if (typeof value !== 'string') {
        errors.push({ field: `credentials.${field.name}`, detail: 'must be a string' });
      } else {
        credentials[field.name] = value;
      }
    }
  }
  if (errors.length > 0)
    throw invalid(`the ${p} connection is incomplete or malformed: ${errors.map((e) => `${e.field} ${e.detail}`).join('; ')}`, errors);
  return { tenantId, psa: p, baseUrl, credentials };
}
