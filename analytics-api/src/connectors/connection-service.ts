import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { DomainError, notFound } from '../errors.js';
import { assertUuid, getTenant } from '../tenants/tenant-service.js';
import { createPsaClient } from './clients/index.js';
import type { ClientOptions, PsaClient } from './clients/psa-client.js';
import { maskCredentials, parseConnectionInput, type Connection, type Credentials } from './connection.js';
import * as store from './connection-store.js';
import { PsaCallError, PsaRefusedError } from './psa-http.js';
import { open, seal, type KeyRing } from './secret-box.js';

/** A connection as answers show it: every secret masked. */
export interface ConnectionView {
  tenant_id: string;
  psa: string;
  base_url: string | null;
  credentials: Record<string, string>;
  key_id: string;
  created_at: string;
  updated_at: string;
  last_sync_at: string | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
}

const keyRing = (config: Config): KeyRing => ({ current: config.credentialsKey, previous: config.credentialsKeyPrevious });

function view(row: store.ConnectionRow, credentials: Credentials): ConnectionView {
  return {
    tenant_id: row.tenant_id,
    psa: row.psa,
    base_url: row.base_url,
    credentials: maskCredentials(row.psa, credentials),
    key_id: row.secret_key_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    last_sync_at: row.last_sync_at?.toISOString() ?? null,
    last_sync_status: row.last_sync_status,
    last_sync_error: row.last_sync_error,
  };
}

function decrypt(config: Config, row: store.ConnectionRow): Credentials {
  return JSON.parse(open(keyRing(config), { sealed: row.secret_sealed, keyId: row.secret_key_id })) as Credentials;
}

export async function setConnection(
  db: Database,
  config: Config,
  tenantId: string,
  input: { psa?: unknown; base_url?: unknown; credentials?: unknown },
): Promise<ConnectionView> {
  const tenant = await getTenant(db, assertUuid(tenantId, 'tenant_id'));
  const connection = parseConnectionInput(tenant.id, input);
  const sealed = seal(keyRing(config), JSON.stringify(connection.credentials));
  const row = await store.saveConnection(db, {
    tenantId: tenant.id,
    psa: connection.psa,
    baseUrl: connection.baseUrl ?? null,
    sealed: sealed.sealed,
    keyId: sealed.keyId,
  });
  return view(row, connection.credentials);
}

async function requireRow(db: Database, tenantId: string): Promise<store.ConnectionRow> {
  const tenant = await getTenant(db, assertUuid(tenantId, 'tenant_id'));
  const row = await store.findConnection(db, tenant.id);
  if (!row) throw notFound(`tenant ${tenant.id} has no PSA connection: set one with PUT /internal/tenants/${tenant.id}/connection`);
  return row;
}

export async function showConnection(db: Database, config: Config, tenantId: string): Promise<ConnectionView> {
  const row = await requireRow(db, tenantId);
  return view(row, decrypt(config, row));
}

export async function removeConnection(db: Database, tenantId: string): Promise<void> {
  const row = await requireRow(db, tenantId);
  await db.transaction((tx) => store.deleteConnection(tx, row.tenant_id));
}

/** The connection with its secrets opened, for the sync and the test call only. */
export async function loadConnection(
  db: Database,
  config: Config,
  tenantId: string,
): Promise<{ connection: Connection; row: store.ConnectionRow }> {
  const row = await requireRow(db, tenantId);
  return {
    connection: { tenantId: row.tenant_id, psa: row.psa, baseUrl: row.base_url ?? undefined, credentials: decrypt(config, row) },
    row,
  };
}

/** Re-encrypts every secret sealed with CREDENTIALS_KEY_PREVIOUS under CREDENTIALS_KEY. */
export async function rekeyConnections(db: Database, config: Config): Promise<{ rekeyed: number; current: number; key_id: string }> {
  const ring = keyRing(config);
  if (!ring.current) throw new DomainError('conflict', 'CREDENTIALS_KEY is not set: there is no key to re-encrypt to');
  let rekeyed = 0;
  let current = 0;
  for (const row of await store.listSealed(db)) {
    if (row.secret_key_id === ring.current.id) {
      current += 1;
      continue;
    }
    const plain = open(ring, { sealed: row.secret_sealed, keyId: row.secret_key_id });
    const next = seal(ring, plain);
    if (await store.replaceSealed(db, row.tenant_id, row.secret_sealed, next.sealed, next.keyId)) rekeyed += 1;
  }
  return { rekeyed, current, key_id: ring.current.id };
}

export type ClientMaker = (connection: Connection) => PsaClient;

export function defaultClientMaker(options: ClientOptions = {}): ClientMaker {
  return (connection) => createPsaClient(connection, options);
}

/** One cheap authenticated call; the problem says what failed: address, TLS, credentials, permission. */
export async function testConnection(
  db: Database,
  config: Config,
  tenantId: string,
  makeClient: ClientMaker = defaultClientMaker({ retry: { maxAttempts: 2, maxTotalMs: 5_000, baseDelayMs: 200, maxDelayMs: 2_000 } }),
): Promise<{ tenant_id: string; psa: string; ok: true; requests: number }> {
  const { connection } = await loadConnection(db, config, tenantId);
  const client = makeClient(connection);
  try {
    await client.test();
  } catch (error) {
    throw psaProblem(error);
  }
  return { tenant_id: connection.tenantId, psa: connection.psa, ok: true, requests: client.stats.requests };
}

/** A PSA failure as a domain error (502 problem): credentials, permission, address, TLS, answer. */
export function psaProblem(error: unknown): DomainError {
  if (error instanceof PsaRefusedError) {
    const what = error.status === 401 ? 'credentials' : 'permission';
    return new DomainError('upstream', error.message, [{ field: what, detail: `the PSA answered HTTP ${error.status}` }]);
  }
  if (error instanceof PsaCallError) {
    const field = error.problem === 'address' ? 'address' : error.problem === 'tls' ? 'tls' : 'answer';
    return new DomainError('upstream', error.message, [{ field, detail: error.problem }]);
  }
  if (error instanceof DomainError) return error;
  return new DomainError('upstream', `the PSA call failed: ${error instanceof Error ? error.message : String(error)}`);
}
