import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CREDENTIAL_TTL_MS, CredentialCache } from '../../src/auth/credential-cache.js';
import { hashApiKey } from '../../src/auth/api-keys.js';
import { authenticateApiKey, authenticateJwt } from '../../src/auth/tenant-credentials.js';
import type { Queryable } from '../../src/db/database.js';
import { readDaily } from '../../src/kpi/kpi-service.js';
import { createApiKey, revokeApiKeys, setTenantActive } from '../../src/tenants/tenant-service.js';
import { createTestApp, signTestJwt, type TestApp } from '../helpers/test-app.js';
import { insertEntries, insertTickets, newTenant } from '../kpi/helpers.js';

const D = '2026-01-24';

let t: TestApp;
let tenantA: string;
let tenantB: string;
let keyA: string;
let keyB: string;

const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
const compute = (query: string) =>
  t.app.inject({ method: 'POST', url: `/internal/kpi/compute-daily?${query}`, headers: t.internalHeaders });
const jwtFor = signTestJwt;

/** A Queryable that records its statements: the same database, its statements counted. */
function counting(db: Queryable): Queryable & { statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    query(text, params) {
      statements.push(text.replace(/\s+/g, ' ').trim());
      return db.query(text, params);
    },
  };
}

beforeAll(async () => {
  t = await createTestApp();
  const db = t.ctx.db;
  tenantA = await newTenant(db, { name: 'Cache A' });
  tenantB = await newTenant(db, { name: 'Cache B' });
  keyA = (await createApiKey(db, tenantA, 'a')).key;
  keyB = (await createApiKey(db, tenantB, 'b')).key;
  await insertTickets(db, tenantA, [{ id: 'a1', created: `${D}T10:00:00Z` }]);
  await insertEntries(db, tenantA, [{ id: 'ae', tech: 'alice', hours: 2, billable: true, workDate: D }]);
  await insertTickets(
    db,
    tenantB,
    ['b1', 'b2', 'b3'].map((id) => ({ id, created: `${D}T12:00:00Z` })),
  );
  expect((await compute(`tenant_id=${tenantA}&date=${D}`)).statusCode).toBe(200);
  expect((await compute(`tenant_id=${tenantB}&date=${D}`)).statusCode).toBe(200);
});
afterAll(() => t.close());
afterEach(() => vi.useRealTimers());

describe('KPI answer cache', () => {
  it('serves the same answer from memory, and a recompute changes it at once', async () => {
    const first = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyA });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toContain('application/json');
    expect(first.json().kpis.tickets_opened).toBe(1);
    expect(t.ctx.readCache.stats().entries).toBeGreaterThan(0);

    // New data without a compute: the stored KPIs did not change, and neither does the answer.
    await insertTickets(t.ctx.db, tenantA, [{ id: 'a2', created: `${D}T11:00:00Z` }]);
    const cached = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyA });
    expect(cached.body).toBe(first.body);

    expect((await compute(`tenant_id=${tenantA}&date=${D}`)).statusCode).toBe(200);
    const after = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyA });
    expect(after.statusCode).toBe(200);
    expect(after.json().kpis.tickets_opened).toBe(2);
    expect(after.json().computed_at).not.toBe(first.json().computed_at);
  });

  it('a range and group_by are cached apart from the day, and invalidated by a compute of the range', async () => {
    const range = `/v1/kpis/daily?from=${D}&to=2026-01-25`;
    const day = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyA });
    const list = await get(range, { 'x-api-key': keyA });
    const grouped = await get(`${range}&group_by=client`, { 'x-api-key': keyA });
    expect(list.json().items).toHaveLength(1);
    expect(grouped.json().items[0].groups).toBeDefined();
    expect(day.json().groups).toBeUndefined();
    expect((await compute(`tenant_id=${tenantA}&from=${D}&to=2026-01-25`)).statusCode).toBe(200);
    expect((await get(range, { 'x-api-key': keyA })).json().items).toHaveLength(2);
    expect((await get(`${range}&group_by=client`, { 'x-api-key': keyA })).json().items).toHaveLength(2);
  });

  it('not-computed days stay 404 and are not cached', async () => {
    expect((await get('/v1/kpis/daily?date=2026-03-01', { 'x-api-key': keyA })).statusCode).toBe(404);
    expect((await compute(`tenant_id=${tenantA}&date=2026-03-01`)).statusCode).toBe(200);
    expect((await get('/v1/kpis/daily?date=2026-03-01', { 'x-api-key': keyA })).statusCode).toBe(200);
  });

  it("keeps tenants apart: each credential gets its own tenant's cached answer", async () => {
    for (let round = 0; round < 3; round += 1) {
      const a = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyA });
      const b = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyB });
      const bJwt = await get(`/v1/kpis/daily?date=${D}`, { authorization: `Bearer ${await jwtFor(tenantB)}` });
      expect(a.json()).toMatchObject({ tenant_id: tenantA, kpis: { tickets_opened: 2 } });
      expect(b.json()).toMatchObject({ tenant_id: tenantB, kpis: { tickets_opened: 3 } });
      expect(bJwt.body).toBe(b.body);
      expect((await get(`/v1/kpis/daily?date=${D}&tenant_id=${tenantB}`, { 'x-api-key': keyA })).statusCode).toBe(400);
    }
    // A recompute of B leaves A's answer alone (and B's new answer is B's).
    expect((await compute(`tenant_id=${tenantB}&date=${D}`)).statusCode).toBe(200);
    expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyA })).json().tenant_id).toBe(tenantA);
    expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyB })).json().tenant_id).toBe(tenantB);
  });

  it('a verified read is one statement, and no tenant lookup', async () => {
    const db = counting(t.ctx.db);
    await readDaily(db, tenantA, { date: D }, undefined, { tenantVerified: true });
    expect(db.statements).toHaveLength(1);
    expect(db.statements[0]).toContain('FROM kpi_daily');
    // Without the flag, an unknown tenant is still not_found.
    await expect(readDaily(t.ctx.db, '00000000-0000-4000-8000-000000000000', { date: D })).rejects.toMatchObject({ kind: 'not_found' });
  });
});

describe('credential cache', () => {
  it('looks a key up once, then answers from memory; refusals are looked up every time', async () => {
    const db = counting(t.ctx.db);
    const credentials = new CredentialCache();
    for (let i = 0; i < 20; i += 1) await expect(authenticateApiKey(db, keyA, credentials)).resolves.toMatchObject({ tenantId: tenantA });
    expect(db.statements.filter((s) => s.includes('FROM api_keys k JOIN tenants'))).toHaveLength(1);
    expect(db.statements.filter((s) => s.startsWith('UPDATE api_keys SET last_used_at'))).toHaveLength(1);

    const forged = `${keyA.slice(0, -4)}AAAA`;
    for (let i = 0; i < 3; i += 1)
      await expect(authenticateApiKey(db, forged, credentials)).rejects.toMatchObject({ detail: 'unknown API key' });
    expect(db.statements.filter((s) => s.includes('FROM api_keys k JOIN tenants'))).toHaveLength(4);
  });

  it('revocation through the service takes effect at once, for a key just served from the cache', async () => {
    const tenant = await newTenant(t.ctx.db, { name: 'Revoke me' });
    const key = (await createApiKey(t.ctx.db, tenant, 'r')).key;
    const other = (await createApiKey(t.ctx.db, tenant, 'other')).key;
    expect((await compute(`tenant_id=${tenant}&date=${D}`)).statusCode).toBe(200);
    for (let i = 0; i < 3; i += 1) expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': key })).statusCode).toBe(200);
    // By name; revoking by { key } is covered in test/reliability/authorization.test.ts.
    await revokeApiKeys(t.ctx.db, tenant, { name: 'r' }, t.ctx.credentials);
    const refused = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': key });
    expect(refused.statusCode).toBe(401);
    expect(refused.body).not.toContain('tickets_opened');
    await expect(authenticateApiKey(t.ctx.db, key)).rejects.toMatchObject({ detail: 'API key revoked' });
    // The tenant's other key still works.
    expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': other })).statusCode).toBe(200);
  });

  it('deactivation takes effect at once for keys and tokens; reactivation too', async () => {
    const tenant = await newTenant(t.ctx.db, { name: 'Deactivate me' });
    const key = (await createApiKey(t.ctx.db, tenant, 'd')).key;
    const token = await jwtFor(tenant);
    expect((await compute(`tenant_id=${tenant}&date=${D}`)).statusCode).toBe(200);
    expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': key })).statusCode).toBe(200);
    expect((await get(`/v1/kpis/daily?date=${D}`, { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    await setTenantActive(t.ctx.db, tenant, false, t.ctx.credentials);
    expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': key })).statusCode).toBe(401);
    expect((await get(`/v1/kpis/daily?date=${D}`, { authorization: `Bearer ${token}` })).statusCode).toBe(401);
    await expect(authenticateJwt(t.ctx.db, t.ctx.jwt, token)).rejects.toMatchObject({ detail: 'tenant inactive' });
    await setTenantActive(t.ctx.db, tenant, true, t.ctx.credentials);
    expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': key })).statusCode).toBe(200);
    expect((await get(`/v1/kpis/daily?date=${D}`, { authorization: `Bearer ${token}` })).statusCode).toBe(200);
  });

  it('a revocation made by another process (straight SQL) is seen within the TTL', async () => {
    const tenant = await newTenant(t.ctx.db, { name: 'Elsewhere' });
    const key = (await createApiKey(t.ctx.db, tenant, 'e')).key;
    await expect(authenticateApiKey(t.ctx.db, key, t.ctx.credentials)).resolves.toMatchObject({ tenantId: tenant });
    vi.useFakeTimers({ toFake: ['Date'] });
    await t.ctx.db.query('UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1', [tenant]);
    // Still in this application's cache (documented: bounded by CREDENTIAL_TTL_MS)...
    await expect(authenticateApiKey(t.ctx.db, key, t.ctx.credentials)).resolves.toMatchObject({ tenantId: tenant });
    vi.setSystemTime(Date.now() + CREDENTIAL_TTL_MS + 1);
    // ...and refused once it expired.
    await expect(authenticateApiKey(t.ctx.db, key, t.ctx.credentials)).rejects.toMatchObject({ detail: 'API key revoked' });
  });

  it('last_used_at is still written: on first use, then after a flush', async () => {
    const tenant = await newTenant(t.ctx.db, { name: 'Usage' });
    const issued = await createApiKey(t.ctx.db, tenant, 'u');
    const lastUsed = async () =>
      (await t.ctx.db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM api_keys WHERE tenant_id = $1', [tenant])).rows[0]!
        .last_used_at;
    expect(await lastUsed()).toBeNull();
    for (let i = 0; i < 5; i += 1) await authenticateApiKey(t.ctx.db, issued.key, t.ctx.credentials);
    await t.ctx.credentials.flushKeyUsage();
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);

    // A use more than a minute later is written (here: the row is made older, the flush forced).
    await t.ctx.db.query(`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE tenant_id = $1`, [tenant]);
    const old = await lastUsed();
    t.ctx.credentials.clear();
    await authenticateApiKey(t.ctx.db, issued.key, t.ctx.credentials);
    await t.ctx.credentials.flushKeyUsage();
    expect((await lastUsed())!.getTime()).toBeGreaterThan(old!.getTime());
  });
});

describe('the credential cache belongs to its app', () => {
  it('two apps in one process on one database share no cached credential; a revoke through one stops its own at once', async () => {
    const second = await createTestApp({}, t.database);
    try {
      expect(second.ctx.credentials).not.toBe(t.ctx.credentials);
      const tenant = await newTenant(t.ctx.db, { name: 'Two apps' });
      const key = (await createApiKey(t.ctx.db, tenant, 'k')).key;
      expect((await compute(`tenant_id=${tenant}&date=${D}`)).statusCode).toBe(200);
      const via = (app: TestApp) => app.app.inject({ method: 'GET', url: `/v1/kpis/daily?date=${D}`, headers: { 'x-api-key': key } });
      expect((await via(second)).statusCode).toBe(200);
      // Served by the second app, cached there only.
      expect(t.ctx.credentials.cachedKey(hashApiKey(key))).toBeUndefined();
      expect(second.ctx.credentials.cachedKey(hashApiKey(key))).toMatchObject({ tenantId: tenant });
      expect((await via(t)).statusCode).toBe(200);
      await revokeApiKeys(t.ctx.db, tenant, { name: 'k' }, t.ctx.credentials);
      expect((await via(t)).statusCode).toBe(401);
      // The other app is another replica: it sees the revoke within the TTL (its entry is still there).
      expect(second.ctx.credentials.cachedKey(hashApiKey(key))).toMatchObject({ tenantId: tenant });
    } finally {
      await second.close();
    }
  });

  it('a key use waiting for its once-a-minute write is written when the app closes', async () => {
    const second = await createTestApp({}, t.database);
    const tenant = await newTenant(t.ctx.db, { name: 'Closing' });
    const key = (await createApiKey(t.ctx.db, tenant, 'c')).key;
    const lastUsed = async () =>
      (await t.ctx.db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM api_keys WHERE tenant_id = $1', [tenant])).rows[0]!
        .last_used_at;
    const exchange = () => second.app.inject({ method: 'POST', url: '/v1/auth/token', headers: { 'x-api-key': key } });
    let old: Date;
    try {
      expect((await exchange()).statusCode).toBe(200);
      expect(await lastUsed()).toBeInstanceOf(Date);
      // As if that write were two minutes old: the next use is due in the database, pending in memory.
      await t.ctx.db.query(`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE tenant_id = $1`, [tenant]);
      old = (await lastUsed())!;
      expect((await exchange()).statusCode).toBe(200);
      expect((await lastUsed())!.getTime()).toBe(old.getTime());
    } finally {
      await second.close();
    }
    expect((await lastUsed())!.getTime()).toBeGreaterThan(old.getTime());
  });
});
