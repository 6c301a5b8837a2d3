import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPI_KEYS } from '../../src/kpi/kpi-keys.js';
import { createApiKey, setTenantActive } from '../../src/tenants/tenant-service.js';
import { createTestApp, signTestJwt, TEST_JWT_SECRET, type TestApp } from '../helpers/test-app.js';
import { insertEntries, insertTickets, newTenant } from './helpers.js';
import { addDays, localDate } from './reference.js';

const D = '2026-01-24';
/** A day computed for tenant B only. */
const ONLY_B = '2019-06-01';
const secret = new TextEncoder().encode(TEST_JWT_SECRET);

let t: TestApp;
let tenantA: string;
let tenantB: string;
let keyA: string;
let keyB: string;

const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
const compute = (query: string) =>
  t.app.inject({ method: 'POST', url: `/internal/kpi/compute-daily?${query}`, headers: t.internalHeaders });

const jwtFor = signTestJwt;

beforeAll(async () => {
  // Many refusals below come from one address: keep the auth-failure limit out of the way.
  t = await createTestApp({ AUTH_FAILURES_PER_MINUTE: '100000', RATE_LIMIT_PER_MINUTE: '100000' });
  const db = t.ctx.db;
  tenantA = await newTenant(db, { timezone: 'Europe/Paris', name: 'Tenant A' });
  tenantB = await newTenant(db, { timezone: 'America/New_York', name: 'Tenant B' });
  keyA = (await createApiKey(db, tenantA, 'a')).key;
  keyB = (await createApiKey(db, tenantB, 'b')).key;
  // A: 1 ticket and 2 h on D; B: 5 tickets and 7 h on D, plus a day that only B has computed.
  await insertTickets(db, tenantA, [{ id: 'a1', created: '2026-01-24T10:00:00Z', client: 'acme', clientName: 'Acme' }]);
  await insertEntries(db, tenantA, [{ id: 'ae', tech: 'alice', hours: 2, billable: true, workDate: D }]);
  await insertTickets(
    db,
    tenantB,
    ['b1', 'b2', 'b3', 'b4', 'b5'].map((id) => ({ id, created: '2026-01-24T15:00:00Z', client: 'secret-client', clientName: 'Secret' })),
  );
  await insertEntries(db, tenantB, [{ id: 'be', tech: 'bob', hours: 7, billable: true, workDate: D }]);
  expect((await compute(`tenant_id=${tenantA}&date=${D}`)).statusCode).toBe(200);
  expect((await compute(`tenant_id=${tenantB}&from=2026-01-24&to=2026-01-25`)).statusCode).toBe(200);
  expect((await compute(`tenant_id=${tenantB}&date=${ONLY_B}`)).statusCode).toBe(200);
});
afterAll(() => t.close());

describe('POST /internal/kpi/compute-daily', () => {
  it('returns the computed day in the shape of GET /v1/kpis/daily', async () => {
    const res = await compute(`tenant_id=${tenantA}&date=${D}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual([
      'computed_at',
      'config_version',
      'currency',
      'data_as_of',
      'date',
      'kpis',
      'stale',
      'tenant_id',
      'timezone',
    ]);
    expect(body).toMatchObject({ config_version: 0, stale: false });
    expect(body).toMatchObject({ tenant_id: tenantA, date: D, timezone: 'Europe/Paris' });
    expect(Object.keys(body.kpis)).toEqual([...KPI_KEYS]);
    expect(body.kpis).toMatchObject({ tickets_opened: 1, hours_worked: 2, capacity_hours: 8, utilization_pct: 25 });

    const read = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyA });
    expect(read.json()).toEqual(body);
  });

  it('computes a range in one call and answers with the items', async () => {
    const res = await compute(`tenant_id=${tenantA}&from=2026-01-20&to=2026-01-26`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.tenant_id).toBe(tenantA);
    expect(body.items.map((item: { date: string }) => item.date)).toEqual([
      '2026-01-20',
      '2026-01-21',
      '2026-01-22',
      '2026-01-23',
      '2026-01-24',
      '2026-01-25',
      '2026-01-26',
    ]);
    expect(body.items[4].kpis.tickets_opened).toBe(1);
  });

  it('computes 366 days in one call', async () => {
    const res = await compute(`tenant_id=${tenantA}&from=2025-07-01&to=2026-07-01`);
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toHaveLength(366);
    expect((await compute(`tenant_id=${tenantA}&from=2025-07-01&to=2026-07-02`)).statusCode).toBe(400);
  });

  it("computes yesterday in the tenant's time zone when no date is given", async () => {
    const db = t.ctx.db;
    const far = await newTenant(db, { timezone: 'Pacific/Kiritimati' });
    const before = localDate(Date.now(), 'Pacific/Kiritimati');
    const res = await compute(`tenant_id=${far}`);
    const after = localDate(Date.now(), 'Pacific/Kiritimati');
    expect(res.statusCode).toBe(200);
    expect([addDays(before, -1), addDays(after, -1)]).toContain(res.json().date);
    expect(res.json().timezone).toBe('Pacific/Kiritimati');
  });

  it('refuses malformed requests and unknown tenants', async () => {
    expect((await compute(`tenant_id=not-a-uuid&date=${D}`)).statusCode).toBe(400);
    expect((await compute(`date=${D}`)).statusCode).toBe(400);
    const unknown = await compute(`tenant_id=00000000-0000-4000-8000-000000000000&date=${D}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    expect((await compute(`tenant_id=${tenantA}&date=2026-02-30`)).statusCode).toBe(400);
    expect((await compute(`tenant_id=${tenantA}&from=2026-02-01&to=2026-01-01`)).statusCode).toBe(400);
    expect((await compute(`tenant_id=${tenantA}&date=${D}&from=${D}&to=${D}`)).statusCode).toBe(400);
    expect((await compute(`tenant_id=${tenantA}&from=${D}`)).statusCode).toBe(400);
  });

  it('needs the service token', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/internal/kpi/compute-daily?tenant_id=${tenantA}&date=${D}` });
    expect(res.statusCode).toBe(401);
    const withKey = await t.app.inject({
      method: 'POST',
      url: `/internal/kpi/compute-daily?tenant_id=${tenantA}&date=${D}`,
      headers: { 'x-api-key': keyA },
    });
    expect(withKey.statusCode).toBe(401);
  });
});

describe('GET /v1/kpis/daily', () => {
  it('returns one day, a range of computed days, and breakdowns', async () => {
    const day = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyB });
    expect(day.statusCode).toBe(200);
    expect(day.json()).toMatchObject({ tenant_id: tenantB, date: D, timezone: 'America/New_York' });
    expect(day.json().kpis.tickets_opened).toBe(5);
    expect(typeof day.json().data_as_of).toBe('string');

    const list = await get('/v1/kpis/daily?from=2026-01-01&to=2026-01-31', { 'x-api-key': keyB });
    expect(list.statusCode).toBe(200);
    expect(list.json().tenant_id).toBe(tenantB);
    expect(list.json().items.map((item: { date: string }) => item.date)).toEqual(['2026-01-24', '2026-01-25']);

    const grouped = await get(`/v1/kpis/daily?date=${D}&group_by=client`, { 'x-api-key': keyB });
    expect(grouped.json().groups).toEqual([
      expect.objectContaining({ key: 'secret-client', label: 'Secret', kpis: expect.objectContaining({ tickets_opened: 5 }) }),
      expect.objectContaining({ key: null, label: '(none)', kpis: expect.objectContaining({ hours_worked: 7 }) }),
    ]);
    const groupedRange = await get('/v1/kpis/daily?from=2026-01-24&to=2026-01-25&group_by=technician', { 'x-api-key': keyB });
    // B's tickets have no assignee: the "(none)" technician holds them, bob holds the hours
    expect(groupedRange.json().items[0].groups.map((g: { key: string }) => g.key)).toEqual(['bob', null]);
  });

  it('answers 404 for a day that was never computed', async () => {
    const res = await get('/v1/kpis/daily?date=2020-01-01', { 'x-api-key': keyA });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it.each([
    ['date=2026-02-30', 'impossible date'],
    ['date=2026-13-01', 'no month 13'],
    ['date=2026-1-24', 'not zero-padded'],
    ['date=24-01-2026', 'wrong order'],
    ['date=yesterday', 'not a date'],
    ['from=2026-02-01&to=2026-01-01', 'from after to'],
    ['from=2025-01-01&to=2026-01-02', '367 days'],
    ['from=2026-01-01', 'from without to'],
    ['to=2026-01-01', 'to without from'],
    [`date=${D}&from=${D}&to=${D}`, 'date with from/to'],
    [`date=${D}&group_by=board`, 'unknown group_by'],
    ['', 'no date at all'],
  ])('answers 400 for %s (%s)', async (query) => {
    const res = await get(`/v1/kpis/daily?${query}`, { 'x-api-key': keyA });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('accepts a range of exactly 366 days', async () => {
    const res = await get('/v1/kpis/daily?from=2025-07-01&to=2026-07-01', { 'x-api-key': keyA });
    expect(res.statusCode).toBe(200);
  });

  it('is documented in the OpenAPI description with its response schema', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = spec.paths['/v1/kpis/daily'].get;
    expect(operation.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['date', 'from', 'group_by', 'to']);
    expect(JSON.stringify(operation.responses['200'])).toContain('tickets_closed_per_technician');
    expect(spec.paths['/internal/kpi/compute-daily'].post).toBeDefined();
  });
});

describe('tenant isolation', () => {
  it("gives each credential its own tenant's numbers and nothing else", async () => {
    const a = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyA });
    const b = await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': keyB });
    expect(a.json().kpis.tickets_opened).toBe(1);
    expect(b.json().kpis.tickets_opened).toBe(5);
    const aToken = await get(`/v1/kpis/daily?date=${D}`, { authorization: `Bearer ${await jwtFor(tenantA)}` });
    expect(aToken.statusCode).toBe(200);
    expect(aToken.json()).toEqual(a.json());
  });

  it('refuses a tenant_id parameter, whichever tenant it names', async () => {
    for (const target of [tenantB, tenantA]) {
      const credentials: Record<string, string>[] = [{ 'x-api-key': keyA }, { authorization: `Bearer ${await jwtFor(tenantA)}` }];
      for (const headers of credentials) {
        for (const query of [
          `date=${D}&tenant_id=${target}`,
          `from=${D}&to=${D}&tenant_id=${target}`,
          `tenant_id=${target}&date=${D}&group_by=client`,
        ]) {
          const res = await get(`/v1/kpis/daily?${query}`, headers);
          expect(res.statusCode, query).toBe(400);
          expect(res.body).not.toContain('Secret');
        }
      }
    }
  });

  it("never shows another tenant's days, groups or numbers, whatever the parameters", async () => {
    expect((await get(`/v1/kpis/daily?date=${ONLY_B}`, { 'x-api-key': keyA })).statusCode).toBe(404);
    expect((await get(`/v1/kpis/daily?date=${ONLY_B}`, { 'x-api-key': keyB })).statusCode).toBe(200);
    const range = await get(`/v1/kpis/daily?from=${ONLY_B}&to=${addDays(ONLY_B, 365)}&group_by=client`, { 'x-api-key': keyA });
    expect(range.json().items).toEqual([]);
    const dayA = await get(`/v1/kpis/daily?date=${D}&group_by=client`, { 'x-api-key': keyA });
    expect(dayA.json().groups.map((g: { key: string }) => g.key)).toEqual(['acme', null]);
    expect(dayA.body).not.toContain('secret-client');
    expect(dayA.body).not.toContain(tenantB);
    for (const query of [`date=${D}&tenant=${tenantB}`, `date=${D}&tenantId=${tenantB}`]) {
      const res = await get(`/v1/kpis/daily?${query}`, { 'x-api-key': keyA });
      expect(res.statusCode).toBe(200);
      expect(res.json().tenant_id).toBe(tenantA);
      expect(res.json().kpis.tickets_opened).toBe(1);
    }
    // Another tenant's key in the query string is refused outright (credentials only in headers).
    const keyInUrl = await get(`/v1/kpis/daily?date=${D}&x-api-key=${keyB}`, { 'x-api-key': keyA });
    expect(keyInUrl.statusCode).toBe(400);
    expect(keyInUrl.body).not.toContain(tenantB);
  });

  it('refuses a token whose payload was swapped to another tenant', async () => {
    const [header, , signature] = (await jwtFor(tenantA)).split('.');
    const forged = Buffer.from(JSON.stringify({ tenant_id: tenantB, exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url');
    const res = await get(`/v1/kpis/daily?date=${D}`, { authorization: `Bearer ${header}.${forged}.${signature}` });
    expect(res.statusCode).toBe(401);
  });
});

describe('credentials refused with 401', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => Promise<Record<string, string>>][] = [
    ['no credential', async () => ({})],
    ['an unknown API key', async () => ({ 'x-api-key': `${keyA.slice(0, -4)}zzzz` })],
    ['a malformed API key', async () => ({ 'x-api-key': 'hello' })],
    ['alg none', async () => ({ authorization: `Bearer ${new UnsecuredJWT({ tenant_id: tenantA }).setExpirationTime('5m').encode()}` })],
    [
      'HS512',
      async () => ({
        authorization: `Bearer ${await new SignJWT({ tenant_id: tenantA })
          .setProtectedHeader({ alg: 'HS512' })
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(TEST_JWT_SECRET.repeat(2)))}`,
      }),
    ],
    [
      'RS256',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return {
          authorization: `Bearer ${await new SignJWT({ tenant_id: tenantA }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey)}`,
        };
      },
    ],
    [
      'a wrong signature',
      async () => ({
        authorization: `Bearer ${await new SignJWT({ tenant_id: tenantA }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode('another-secret-0123456789abcdefghijklmnopqrstuv'))}`,
      }),
    ],
    ['an expired token', async () => ({ authorization: `Bearer ${await jwtFor(tenantA, now() - 60)}` })],
    [
      'a token without exp',
      async () => ({
        authorization: `Bearer ${await new SignJWT({ tenant_id: tenantA }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(secret)}`,
      }),
    ],
    [
      'a token without tenant_id',
      async () => ({
        authorization: `Bearer ${await new SignJWT({ sub: tenantA }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(secret)}`,
      }),
    ],
    [
      'a token whose tenant_id is not a UUID',
      async () => ({
        authorization: `Bearer ${await new SignJWT({ tenant_id: 'tenant-a' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(secret)}`,
      }),
    ],
    ['a token for an unknown tenant', async () => ({ authorization: `Bearer ${await jwtFor('6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f')}` })],
    ['a malformed bearer token', async () => ({ authorization: 'Bearer not.a.jwt' })],
    ['a Basic authorization', async () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
  ];

  it.each(cases)('%s', async (_name, headers) => {
    const res = await get(`/v1/kpis/daily?date=${D}`, await headers());
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).not.toContain('tickets_opened');
  });

  it('a valid token of the same shape is accepted (the cases above fail for their one reason)', async () => {
    expect((await get(`/v1/kpis/daily?date=${D}`, { authorization: `Bearer ${await jwtFor(tenantA)}` })).statusCode).toBe(200);
  });

  it('revoked keys and inactive tenants', async () => {
    const db = t.ctx.db;
    const c = await newTenant(db, { name: 'Tenant C' });
    const key = (await createApiKey(db, c, 'c')).key;
    await t.app.inject({ method: 'POST', url: `/internal/kpi/compute-daily?tenant_id=${c}&date=${D}`, headers: t.internalHeaders });
    expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': key })).statusCode).toBe(200);
    await setTenantActive(db, c, false, t.ctx.credentials);
    expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': key })).statusCode).toBe(401);
    expect((await get(`/v1/kpis/daily?date=${D}`, { authorization: `Bearer ${await jwtFor(c)}` })).statusCode).toBe(401);
    await setTenantActive(db, c, true, t.ctx.credentials);
    await db.query('UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1', [c]);
    expect((await get(`/v1/kpis/daily?date=${D}`, { 'x-api-key': key })).statusCode).toBe(401);
  });
});

describe('compute-daily refuses days in the future', () => {
  it('answers 400 naming the tenant-local today for a future date or range end, and stores nothing', async () => {
    for (const query of [`date=2030-01-01`, `from=2029-12-20&to=2030-01-01`]) {
      const res = await compute(`tenant_id=${tenantA}&${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().detail).toMatch(/2030-01-01 is in the future: the tenant's local today \(Europe\/Paris\) is \d{4}-\d{2}-\d{2}/);
    }
    const read = await get('/v1/kpis/daily?from=2029-06-01&to=2030-05-31', { 'x-api-key': keyA });
    expect(read.json().items).toEqual([]);
  });
});
