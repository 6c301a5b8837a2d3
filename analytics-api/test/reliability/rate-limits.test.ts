import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createTenant } from '../../src/tenants/tenant-service.js';
import { DEFAULT_KEY_PREFIX } from '../../src/ratelimit/rate-limiter.js';
import { createTestApp, TEST_SERVICE_TOKEN, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import {
  addTenantProbe,
  missingSecurityHeaders,
  privateRedis,
  PROBE_URL,
  randomAddress,
  redisAnswers,
  redisRequired,
  TEST_REDIS_URL,
  waitFor,
  type PrivateRedis,
} from './support.js';

const LIMITS = { RATE_LIMIT_PER_MINUTE: '5', AUTH_FAILURES_PER_MINUTE: '3' };
const WRONG_TOKEN = { authorization: `Bearer ${TEST_SERVICE_TOKEN}-wrong` };
const RIGHT_TOKEN = { authorization: `Bearer ${TEST_SERVICE_TOKEN}` };

type Inject = TestApp['app']['inject'];
const get = (t: TestApp, url: string, headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
  (t.app.inject as Inject)({ method: 'GET', url, headers, remoteAddress });

function expect429(res: Awaited<ReturnType<typeof get>>, detail: RegExp, secret?: string): void {
  expect(res.statusCode, res.body).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.json()).toMatchObject({ status: 429, title: 'Too Many Requests', detail: expect.stringMatching(detail) });
  expect(missingSecurityHeaders(res.headers)).toEqual([]);
  if (secret) expect(res.body).not.toContain(secret);
}

async function tenantWithKeys(t: TestApp, name: string, keys = 2) {
  const tenant = await createTenant(t.ctx.db, { name });
  const issued = [];
  for (let i = 0; i < keys; i += 1) issued.push((await createApiKey(t.ctx.db, tenant.id, `key-${i}`)).key);
  return { id: tenant.id, keys: issued };
}

describe('rate limits (in-process counters, no REDIS_URL)', () => {
  let t: TestApp;
  let tenant: { id: string; keys: string[] };
  beforeAll(async () => {
    t = await createTestApp(LIMITS, undefined, { beforeReady: addTenantProbe });
    tenant = await tenantWithKeys(t, 'Limits MSP');
  });
  afterAll(() => t.close());

  it('limits /v1 requests per credential: RATE_LIMIT_PER_MINUTE answered, then 429 with Retry-After; other credentials keep their own budget', async () => {
    const address = randomAddress();
    const [first, second] = tenant.keys as [string, string];
    for (let i = 0; i < 5; i += 1) {
      const res = await get(t, PROBE_URL, { 'x-api-key': first }, address);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('5');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(4 - i));
    }
    expect429(await get(t, PROBE_URL, { 'x-api-key': first }, address), /rate limit of 5 requests per minute/, first);
    // Same tenant, same address, another key: its own budget.
    expect((await get(t, PROBE_URL, { 'x-api-key': second }, address)).statusCode).toBe(200);
    // A JWT of the tenant is counted per tenant, apart from its keys.
    const token = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: { 'x-api-key': second },
      remoteAddress: randomAddress(),
    });
    expect(token.statusCode, token.body).toBe(200);
    expect((await get(t, PROBE_URL, { authorization: `Bearer ${token.json().access_token}` }, address)).statusCode).toBe(200);
  });

  it('limits /v1 requests without a tenant credential (token exchange, unknown /v1 paths) per client address', async () => {
    const address = randomAddress();
    for (let i = 0; i < 5; i += 1) expect((await get(t, '/v1/no-such-route', {}, address)).statusCode).toBe(404);
    expect429(await get(t, '/v1/no-such-route', {}, address), /rate limit/);
  });

  it('counts failed authentications per client address on /internal and /v1 together, then refuses even a valid credential', async () => {
    const attacker = randomAddress();
    const bystander = randomAddress();
    expect((await get(t, '/internal/tenants', WRONG_TOKEN, attacker)).statusCode).toBe(401);
    expect((await get(t, '/internal/tenants', {}, attacker)).statusCode).toBe(401);
    expect((await get(t, PROBE_URL, { 'x-api-key': `${tenant.keys[0]!.slice(0, -3)}AAA` }, attacker)).statusCode).toBe(401);
    // Limit reached: the next attempt from that address is refused before authentication, right or wrong.
    expect429(await get(t, '/internal/tenants', RIGHT_TOKEN, attacker), /too many failed authentication attempts/, TEST_SERVICE_TOKEN);
    expect429(
      await get(t, PROBE_URL, { 'x-api-key': tenant.keys[1]! }, attacker),
      /too many failed authentication attempts/,
      tenant.keys[1],
    );
    const exchange = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/token',
      headers: { 'x-api-key': tenant.keys[1]! },
      remoteAddress: attacker,
    });
    expect(exchange.statusCode).toBe(429);
    // Open routes stay open for that address; other addresses are not affected.
    expect((await get(t, '/health', {}, attacker)).statusCode).toBe(200);
    expect((await get(t, '/internal/tenants', RIGHT_TOKEN, bystander)).statusCode).toBe(200);
    expect((await get(t, PROBE_URL, { 'x-api-key': tenant.keys[1]! }, bystander)).statusCode).toBe(200);
  });

  it('counts a failed token exchange (POST /v1/auth/token) as a failed authentication', async () => {
    const address = randomAddress();
    for (let i = 0; i < 3; i += 1) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/token',
        headers: { 'x-api-key': 'msk_wrong' },
        remoteAddress: address,
      });
      expect(res.statusCode).toBe(401);
    }
    expect429(await get(t, '/internal/tenants', RIGHT_TOKEN, address), /too many failed authentication attempts/);
  });

  it('does not count successful authentications as failures', async () => {
    const address = randomAddress();
    for (let i = 0; i < 10; i += 1) expect((await get(t, '/internal/tenants', RIGHT_TOKEN, address)).statusCode).toBe(200);
  });
});

const redisUp = await redisAnswers(TEST_REDIS_URL);

describe.skipIf(!redisUp && !redisRequired)(`rate limits shared through Redis (${TEST_REDIS_URL})`, () => {
  let database: TestDatabase;
  let one: TestApp;
  let two: TestApp;
  let tenant: { id: string; keys: string[] };
  let redis: Redis;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { ...LIMITS, REDIS_URL: TEST_REDIS_URL };
    one = await createTestApp(env, database, { beforeReady: addTenantProbe });
    two = await createTestApp(env, database, { beforeReady: addTenantProbe });
    await waitFor(() => one.ctx.redis!.isUp() && two.ctx.redis!.isUp(), 10_000, 'both apps connected to Redis');
    tenant = await tenantWithKeys(one, 'Shared Limits MSP', 1);
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await one?.close();
    await two?.close();
    await database?.drop();
  });

  it('two instances share one budget per credential: 3 requests on one and 2 on the other use it up', async () => {
    const key = tenant.keys[0]!;
    for (let i = 0; i < 3; i += 1) expect((await get(one, PROBE_URL, { 'x-api-key': key })).statusCode).toBe(200);
    for (let i = 0; i < 2; i += 1) expect((await get(two, PROBE_URL, { 'x-api-key': key })).statusCode).toBe(200);
    expect429(await get(one, PROBE_URL, { 'x-api-key': key }), /rate limit/, key);
    expect429(await get(two, PROBE_URL, { 'x-api-key': key }), /rate limit/, key);
    // The counter is a Redis key with a one-minute expiry (INCR + PEXPIRE): it cannot outlive its window.
    const keys = await redis.keys(`${DEFAULT_KEY_PREFIX}req:cred:${tenant.id}:*`);
    expect(keys).toHaveLength(1);
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(Number(await redis.get(keys[0]!))).toBe(7);
  });

  it('two instances share the failed-authentication count of an address', async () => {
    const address = randomAddress();
    expect((await get(one, '/internal/tenants', WRONG_TOKEN, address)).statusCode).toBe(401);
    expect((await get(two, '/internal/tenants', WRONG_TOKEN, address)).statusCode).toBe(401);
    expect((await get(one, PROBE_URL, { 'x-api-key': 'msk_bad' }, address)).statusCode).toBe(401);
    expect429(await get(two, '/internal/tenants', RIGHT_TOKEN, address), /too many failed authentication attempts/);
  });
});

describe('Redis unreachable (REDIS_URL points where nothing listens)', () => {
  let t: TestApp;
  let tenant: { id: string; keys: string[] };
  beforeAll(async () => {
    t = await createTestApp({ ...LIMITS, REDIS_URL: 'redis://127.0.0.1:6390/0' }, undefined, { beforeReady: addTenantProbe });
    tenant = await tenantWithKeys(t, 'No Redis MSP', 1);
  });
  afterAll(() => t.close());

  it('keeps serving, with the limits counted in-process', async () => {
    expect((await get(t, '/internal/tenants', RIGHT_TOKEN)).statusCode).toBe(200);
    const key = tenant.keys[0]!;
    for (let i = 0; i < 5; i += 1) expect((await get(t, PROBE_URL, { 'x-api-key': key })).statusCode).toBe(200);
    expect429(await get(t, PROBE_URL, { 'x-api-key': key }), /rate limit/, key);
  });

  it('/ready stays 200 and /health reports Redis as an error with a "degraded" detail', async () => {
    for (const url of ['/ready', '/health']) {
      const res = await get(t, url, {});
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().checks.redis.status).toBe('error');
      expect(res.json().checks.redis.detail).toMatch(/degraded/);
    }
  });
});

describe('Redis lost while the API runs, then back', () => {
  let server: PrivateRedis;
  let t: TestApp;
  let tenant: { id: string; keys: string[] };
  beforeAll(async () => {
    server = await privateRedis();
    await server.start();
    t = await createTestApp({ ...LIMITS, REDIS_URL: server.url }, undefined, { beforeReady: addTenantProbe });
    await waitFor(() => t.ctx.redis!.isUp(), 10_000, 'the app connected to the private Redis');
    tenant = await tenantWithKeys(t, 'Flaky Redis MSP', 3);
  });
  afterAll(async () => {
    await t?.close();
    await server?.stop();
  });

  it('falls back to in-process limits when Redis dies, reports it, and shares limits again once Redis returns', async () => {
    const [before, during, after] = tenant.keys as [string, string, string];
    for (let i = 0; i < 5; i += 1) expect((await get(t, PROBE_URL, { 'x-api-key': before })).statusCode).toBe(200);
    expect((await get(t, PROBE_URL, { 'x-api-key': before })).statusCode).toBe(429);
    expect((await get(t, '/ready', {})).json().checks.redis.status).toBe('ok');

    await server.stop();
    await waitFor(() => !t.ctx.redis!.isUp(), 10_000, 'the app noticed Redis is gone');
    expect((await get(t, '/internal/tenants', RIGHT_TOKEN)).statusCode).toBe(200);
    for (let i = 0; i < 5; i += 1) expect((await get(t, PROBE_URL, { 'x-api-key': during })).statusCode).toBe(200);
    expect429(await get(t, PROBE_URL, { 'x-api-key': during }), /rate limit/, during);
    const ready = await get(t, '/ready', {});
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.redis).toMatchObject({ status: 'error', detail: expect.stringMatching(/degraded/) });

    await server.start();
    await waitFor(() => t.ctx.redis!.isUp(), 15_000, 'the app reconnected to Redis');
    for (let i = 0; i < 5; i += 1) expect((await get(t, PROBE_URL, { 'x-api-key': after })).statusCode).toBe(200);
    expect((await get(t, PROBE_URL, { 'x-api-key': after })).statusCode).toBe(429);
    const probe = new Redis(server.url);
    try {
      const counted = await probe.keys(`${DEFAULT_KEY_PREFIX}req:cred:${tenant.id}:*`);
      expect(counted).toHaveLength(1); // only the key used after the return was counted in Redis
      expect(Number(await probe.get(counted[0]!))).toBe(6);
    } finally {
      probe.disconnect();
    }
    expect((await get(t, '/ready', {})).json().checks.redis.status).toBe('ok');
  });
});
