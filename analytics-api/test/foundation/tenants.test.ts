import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/api-keys.js';
import { authenticateApiKey } from '../../src/auth/tenant-credentials.js';
import { createApiKey, createTenant, revokeApiKeys, seedMockTenants, setTenantActive } from '../../src/tenants/tenant-service.js';
import { DEMO_TENANT_ID, MOCK_DATA_PATH } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

describe('tenants and API keys', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('seed-mock is idempotent: tenants once, one key per tenant, no new key the second time', async () => {
    const first = await seedMockTenants(database.db, MOCK_DATA_PATH);
    expect(first.tenants.map((t) => t.id)).toContain(DEMO_TENANT_ID);
    expect(first.tenants.length).toBeGreaterThanOrEqual(3);
    expect(new Set(first.tenants.map((t) => t.source))).toEqual(new Set(['connectwise', 'autotask', 'halopsa']));
    expect(first.api_keys.map((k) => k.tenant_id).sort()).toEqual(first.tenants.map((t) => t.id).sort());

    const second = await seedMockTenants(database.db, MOCK_DATA_PATH);
    expect(second.api_keys).toEqual([]);
    expect(second.created_tenants).toEqual([]);
    const { rows } = await database.db.query<{ tenants: number; keys: number }>(
      'SELECT (SELECT count(*) FROM tenants)::int AS tenants, (SELECT count(*) FROM api_keys)::int AS keys',
    );
    expect(rows[0]).toEqual({ tenants: first.tenants.length, keys: first.tenants.length });
  });

  it('stores only a hash of each key, never the key itself', async () => {
    const issued = await createApiKey(database.db, DEMO_TENANT_ID, 'hash-check');
    const { rows } = await database.db.query<Record<string, unknown>>('SELECT * FROM api_keys');
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(issued.key);
    expect(dump).toContain(hashApiKey(issued.key));
    const principal = await authenticateApiKey(database.db, issued.key);
    expect(principal.tenantId).toBe(DEMO_TENANT_ID);
  });

  it('refuses revoked keys, keys of inactive tenants and keys that look right but are unknown', async () => {
    const tenant = await createTenant(database.db, { name: 'Refusals MSP', timezone: 'Europe/Berlin' });
    const issued = await createApiKey(database.db, tenant.id, 'to-revoke');
    await expect(authenticateApiKey(database.db, issued.key)).resolves.toMatchObject({ tenantId: tenant.id });

    await setTenantActive(database.db, tenant.id, false);
    await expect(authenticateApiKey(database.db, issued.key)).rejects.toMatchObject({ kind: 'unauthorized', detail: 'tenant inactive' });
    await setTenantActive(database.db, tenant.id, true);

    await revokeApiKeys(database.db, tenant.id, { key: issued.key });
    await expect(authenticateApiKey(database.db, issued.key)).rejects.toMatchObject({ detail: 'API key revoked' });

    const forged = `${issued.key.slice(0, -4)}AAAA`;
    await expect(authenticateApiKey(database.db, forged)).rejects.toMatchObject({ detail: 'unknown API key' });
    await expect(authenticateApiKey(database.db, 'msk_nonsense')).rejects.toMatchObject({ detail: 'malformed API key' });
  });

  it('validates tenant input: unknown time zone, bad source, bad capacity, duplicate id', async () => {
    await expect(createTenant(database.db, { name: 'X', timezone: 'Mars/Olympus' })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(createTenant(database.db, { name: 'X', source: 'servicenow' })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(createTenant(database.db, { name: 'X', dailyCapacityHours: 30 })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(createTenant(database.db, { name: 'X', id: DEMO_TENANT_ID })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(createTenant(database.db, { name: '  ' })).rejects.toMatchObject({ kind: 'invalid' });
  });
});
