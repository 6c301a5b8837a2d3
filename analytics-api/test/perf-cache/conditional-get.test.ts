import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/tenants/tenant-service.js';
import { createTestApp, signTestJwt, type TestApp } from '../helpers/test-app.js';
import { insertEntries, insertTickets, newTenant } from '../kpi/helpers.js';

const D = '2026-01-24';
const DAY = `/v1/kpis/daily?date=${D}`;

let t: TestApp;
let tenantA: string;
let tenantB: string;
let keyA: string;
let keyB: string;

const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
const internal = (method: 'POST' | 'PUT', url: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: t.internalHeaders, payload: payload as object });
const compute = (tenant: string, period = `date=${D}`) => internal('POST', `/internal/kpi/compute-daily?tenant_id=${tenant}&${period}`);

async function etagOf(url: string, key: string): Promise<string> {
  const res = await get(url, { 'x-api-key': key });
  expect(res.statusCode).toBe(200);
  return res.headers.etag as string;
}

beforeAll(async () => {
  t = await createTestApp();
  const db = t.ctx.db;
  tenantA = await newTenant(db, { name: 'Conditional A' });
  tenantB = await newTenant(db, { name: 'Conditional B' });
  keyA = (await createApiKey(db, tenantA, 'a')).key;
  keyB = (await createApiKey(db, tenantB, 'b')).key;
  // The same records in both tenants: only the tenant tells their answers apart.
  for (const tenant of [tenantA, tenantB]) {
    await insertTickets(db, tenant, [{ id: 't1', created: `${D}T10:00:00Z` }]);
    await insertEntries(db, tenant, [{ id: 'e1', tech: 'alice', hours: 2, billable: true, workDate: D }]);
    expect((await compute(tenant)).statusCode).toBe(200);
  }
});
afterAll(() => t.close());

describe('GET /v1/kpis/daily: ETag, 304 and Cache-Control', () => {
  it('answers with a strong ETag and a private max-age, the same tag while nothing changes', async () => {
    const first = await get(DAY, { 'x-api-key': keyA });
    expect(first.statusCode).toBe(200);
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('private, max-age=30');
    expect(first.headers.vary).toBe('x-api-key, authorization');
    const again = await get(DAY, { 'x-api-key': keyA });
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.body).toBe(first.body);
  });

  it('a current ETag gets 304 without a body, with the same headers; a stale or foreign one gets 200', async () => {
    const etag = await etagOf(DAY, keyA);
    const notModified = await get(DAY, { 'x-api-key': keyA, 'if-none-match': etag });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.headers.etag).toBe(etag);
    expect(notModified.headers['cache-control']).toBe('private, max-age=30');
    expect(notModified.headers['x-ratelimit-remaining']).toBeDefined();
    // In a list, weak (as a proxy may send it back), or "*".
    expect((await get(DAY, { 'x-api-key': keyA, 'if-none-match': `"other", W/${etag}` })).statusCode).toBe(304);
    expect((await get(DAY, { 'x-api-key': keyA, 'if-none-match': '*' })).statusCode).toBe(304);
    const other = await get(DAY, { 'x-api-key': keyA, 'if-none-match': '"not-the-tag"' });
    expect(other.statusCode).toBe(200);
    expect(other.json().tenant_id).toBe(tenantA);
  });

  it('the ETag changes when the KPIs are recomputed: the old one then gets 200, the new one 304', async () => {
    const before = await etagOf(DAY, keyA);
    expect((await compute(tenantA)).statusCode).toBe(200);
    const stale = await get(DAY, { 'x-api-key': keyA, 'if-none-match': before });
    expect(stale.statusCode).toBe(200);
    expect(stale.headers.etag).not.toBe(before);
    expect((await get(DAY, { 'x-api-key': keyA, 'if-none-match': stale.headers.etag as string })).statusCode).toBe(304);
  });

  it('the ETag changes when a configuration change makes the stored days stale', async () => {
    const before = await etagOf(DAY, keyA);
    const put = await internal('PUT', `/internal/tenants/${tenantA}/config`, { timezone: 'UTC', daily_capacity_hours: 6 });
    expect(put.statusCode, put.body).toBe(200);
    const after = await get(DAY, { 'x-api-key': keyA, 'if-none-match': before });
    expect(after.statusCode).toBe(200);
    expect(after.json().stale).toBe(true);
    expect(after.headers.etag).not.toBe(before);
  });

  it('the ETag changes when ingested time entries change the currency served', async () => {
    const before = await etagOf(DAY, keyB);
    const entry = {
      external_id: 'e2',
      technician_id: 'bob',
      hours_worked: 1,
      billable: true,
      work_date: D,
      hourly_rate: 100,
      currency: 'EUR',
    };
    const ingested = await internal('POST', `/internal/ingest/time_entries?tenant_id=${tenantB}`, [entry]);
    expect(ingested.statusCode, ingested.body).toBe(200);
    const after = await get(DAY, { 'x-api-key': keyB, 'if-none-match': before });
    expect(after.statusCode).toBe(200);
    expect(after.json().currency).toBe('EUR');
  });

  it("another tenant's ETag never matches, for the same records and the same day", async () => {
    await compute(tenantA);
    await compute(tenantB);
    const a = await get(DAY, { 'x-api-key': keyA });
    const b = await get(DAY, { 'x-api-key': keyB });
    expect(a.headers.etag).not.toBe(b.headers.etag);
    const crossed = await get(DAY, { 'x-api-key': keyB, 'if-none-match': a.headers.etag as string });
    expect(crossed.statusCode).toBe(200);
    expect(crossed.json().tenant_id).toBe(tenantB);
    // A token of the tenant gets the tenant's tag, whatever the credential.
    const bJwt = await get(DAY, { authorization: `Bearer ${await signTestJwt(tenantB)}`, 'if-none-match': b.headers.etag as string });
    expect(bJwt.statusCode).toBe(304);
  });

  it('the checks stay in front of the cache: no credential → 401 whatever If-None-Match says', async () => {
    const etag = await etagOf(DAY, keyA);
    const res = await get(DAY, { 'if-none-match': etag });
    expect(res.statusCode).toBe(401);
    expect(res.headers.etag).toBeUndefined();
    const wrong = await get(DAY, { 'x-api-key': 'msk_not_a_key', 'if-none-match': etag });
    expect(wrong.statusCode).toBe(401);
  });

  it('ranges and group_by carry their own tags', async () => {
    const range = `/v1/kpis/daily?from=${D}&to=2026-01-25`;
    const tags = new Set([await etagOf(DAY, keyA), await etagOf(range, keyA), await etagOf(`${range}&group_by=client`, keyA)]);
    expect(tags.size).toBe(3);
    const grouped = await etagOf(`${range}&group_by=client`, keyA);
    expect((await get(`${range}&group_by=client`, { 'x-api-key': keyA, 'if-none-match': grouped })).statusCode).toBe(304);
  });
});

describe('the read cache belongs to its app', () => {
  it('two apps in one process on one database keep their answers apart', async () => {
    const second = await createTestApp({}, t.database);
    try {
      expect(second.ctx.readCache).not.toBe(t.ctx.readCache);
      t.ctx.readCache.clear();
      const viaSecond = await second.app.inject({ method: 'GET', url: DAY, headers: { 'x-api-key': keyA } });
      expect(viaSecond.statusCode).toBe(200);
      expect(second.ctx.readCache.stats().entries).toBe(1);
      expect(t.ctx.readCache.stats().entries).toBe(0);
      // A compute through the first app bumps the first app's cache, not a process-wide one.
      expect((await compute(tenantA)).statusCode).toBe(200);
      expect(second.ctx.readCache.stats().entries).toBe(1);
      expect((await get(DAY, { 'x-api-key': keyA, 'if-none-match': viaSecond.headers.etag as string })).statusCode).toBe(200);
    } finally {
      await second.close();
    }
  });
});
