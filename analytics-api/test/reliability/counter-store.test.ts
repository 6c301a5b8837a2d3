import { describe, expect, it } from 'vitest';
import { FailoverCounterStore, MemoryCounterStore, type CounterStore, type StoreMode } from '../../src/ratelimit/counter-store.js';
import { RateLimiter } from '../../src/ratelimit/rate-limiter.js';

describe('in-process counters (the fallback when Redis is away)', () => {
  it('counts within a window, reports the time left, and starts over when the window ends', async () => {
    let now = 1_000_000;
    const store = new MemoryCounterStore(100, () => now);
    expect(await store.increment('k', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
    now += 20_000;
    expect(await store.increment('k', 60_000)).toEqual({ count: 2, resetInMs: 40_000 });
    expect(await store.read('k')).toEqual({ count: 2, resetInMs: 40_000 });
    now += 40_000;
    expect(await store.read('k')).toEqual({ count: 0, resetInMs: 0 });
    expect(await store.increment('k', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
  });

  it('stays bounded in memory however many distinct keys (client addresses) arrive', async () => {
    let now = 0;
    const store = new MemoryCounterStore(1_000, () => now);
    for (let i = 0; i < 10_000; i += 1) {
      await store.increment(`addr-${i}`, 60_000);
      now += 1;
    }
    expect(store.size).toBeLessThanOrEqual(1_000);
    // The newest keys are the ones kept.
    expect((await store.read('addr-9999')).count).toBe(1);
  });
});

describe('failover between Redis and in-process counters', () => {
  const broken: CounterStore = {
    increment: () => Promise.reject(new Error('Connection is closed.')),
    read: () => Promise.reject(new Error('Connection is closed.')),
  };

  it('uses the in-process counters when Redis fails or is disconnected, says so once, and returns to Redis', async () => {
    const shared = new MemoryCounterStore();
    const local = new MemoryCounterStore();
    let up = true;
    let failing = true;
    const changes: StoreMode[] = [];
    const store = new FailoverCounterStore(
      {
        increment: (k, w) => (failing ? broken.increment(k, w) : shared.increment(k, w)),
        read: (k, w) => (failing ? broken.read(k, w) : shared.read(k, w)),
      },
      local,
      () => up,
      (mode) => changes.push(mode),
    );
    expect((await store.increment('k', 60_000)).count).toBe(1); // Redis "connected" but failing
    up = false;
    expect((await store.increment('k', 60_000)).count).toBe(2); // disconnected: not even tried
    expect(changes).toEqual(['local']);
    up = true;
    failing = false;
    expect((await store.increment('k', 60_000)).count).toBe(1); // Redis back: its own count
    expect(changes).toEqual(['local', 'shared']);
    expect((await local.read('k')).count).toBe(2);
  });

  it('makes the limiter refuse past the limit even while Redis is down (fail closed to local limits, not open)', async () => {
    const limiter = new RateLimiter({
      requestsPerMinute: 3,
      authFailuresPerMinute: 2,
      store: new FailoverCounterStore(broken, new MemoryCounterStore(), () => true),
    });
    const decisions = [];
    for (let i = 0; i < 4; i += 1) decisions.push((await limiter.consumeRequest('key')).allowed);
    expect(decisions).toEqual([true, true, true, false]);
    await limiter.recordAuthFailure('10.0.0.1');
    expect((await limiter.authFailureStatus('10.0.0.1')).allowed).toBe(true);
    await limiter.recordAuthFailure('10.0.0.1');
    const blocked = await limiter.authFailureStatus('10.0.0.1');
    expect(blocked).toMatchObject({ allowed: false, limit: 2, remaining: 0 });
    expect(blocked.resetInSeconds).toBeGreaterThanOrEqual(1);
    expect(blocked.resetInSeconds).toBeLessThanOrEqual(60);
  });
});
