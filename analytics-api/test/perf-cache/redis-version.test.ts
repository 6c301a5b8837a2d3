import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAndStore } from '../../src/kpi/kpi-store.js';
import { answerKey, KpiReadCache } from '../../src/kpi/read-cache.js';
import type { RedisConnection } from '../../src/redis/redis-connection.js';
import { createApiKey } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertTickets, newTenant } from '../kpi/helpers.js';

const D = '2026-01-24';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/14';

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 300, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function fakeRedis(get: () => Promise<string | null>, incr: () => Promise<number>): RedisConnection {
  return {
    client: { get, incr } as unknown as RedisConnection['client'],
    isUp: () => true,
    ping: async () => ({ ok: true, detail: 'fake' }),
    close: async () => undefined,
  };
}

describe('KPI version without a working Redis', () => {
  it('falls back to the in-process version when Redis fails, and a compute still invalidates locally', async () => {
    const broken = fakeRedis(
      () => Promise.reject(new Error('down')),
      () => Promise.reject(new Error('down')),
    );
    const tenant = '11111111-2222-4333-8444-555555555555';
    const cache = new KpiReadCache(broken);
    const before = await cache.version(tenant);
    expect(before).toMatch(/^l\d+$/);
    const key = answerKey(1, tenant, { date: D });
    cache.remember(key, tenant, before, '{"old":true}');
    expect(cache.get(key, before)?.body).toBe('{"old":true}');
    await expect(cache.bump(tenant)).resolves.toBeUndefined();
    const after = await cache.version(tenant);
    expect(after).not.toBe(before);
    expect(cache.get(key, after)).toBeUndefined();
  });

  it('uses the Redis counter when it answers', async () => {
    let counter = 0;
    const redis = fakeRedis(
      async () => String(counter),
      async () => ++counter,
    );
    const tenant = '11111111-2222-4333-8444-666666666666';
    const cache = new KpiReadCache(redis);
    const v0 = await cache.version(tenant);
    counter += 1; // another replica computed
    expect(await cache.version(tenant)).not.toBe(v0);
  });
});

const reachable = await redisReachable();

describe.runIf(reachable)('KPI version shared through Redis (REDIS_URL)', () => {
  let t: TestApp;
  let tenant: string;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp({ REDIS_URL });
    for (let i = 0; i < 50 && !t.ctx.redis!.isUp(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.ctx.redis!.isUp()).toBe(true);
    tenant = await newTenant(t.ctx.db, { name: 'Replicated' });
    key = (await createApiKey(t.ctx.db, tenant, 'k')).key;
    await insertTickets(t.ctx.db, tenant, [{ id: 'r1', created: `${D}T10:00:00Z` }]);
  });
  afterAll(() => t?.close());

  const read = () => t.app.inject({ method: 'GET', url: `/v1/kpis/daily?date=${D}`, headers: { 'x-api-key': key } });

  it('a compute here INCRs the counter; a compute on another replica is seen once it INCRs', async () => {
    const versionKey = `msp:kpi-version:${tenant}`;
    const start = Number((await t.ctx.redis!.client.get(versionKey)) ?? 0);
    const compute = await t.app.inject({
      method: 'POST',
      url: `/internal/kpi/compute-daily?tenant_id=${tenant}&date=${D}`,
      headers: t.internalHeaders,
    });
    expect(compute.statusCode).toBe(200);
    expect(Number(await t.ctx.redis!.client.get(versionKey))).toBe(start + 1);
    expect((await read()).json().kpis.tickets_opened).toBe(1);

    // "Another replica": new data and a compute that this process does not see.
    await insertTickets(t.ctx.db, tenant, [{ id: 'r2', created: `${D}T11:00:00Z` }]);
    await t.ctx.db.transaction((tx) => computeAndStore(tx, { tenantId: tenant, from: D, to: D, timezone: 'UTC', dailyCapacityHours: 8 }));
    expect((await read()).json().kpis.tickets_opened).toBe(1); // cached
    await t.ctx.redis!.client.incr(versionKey); // what that replica's computeDaily does after commit
    expect((await read()).json().kpis.tickets_opened).toBe(2);
  });
});
