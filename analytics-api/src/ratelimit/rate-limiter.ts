import type { Config } from '../config/config.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { FailoverCounterStore, MemoryCounterStore, RedisCounterStore, type CounterStore, type StoreMode } from './counter-store.js';

/**
 * The two limits of the API (docs/reliability.md):
 * - requests on /v1/* per tenant credential (RATE_LIMIT_PER_MINUTE);
 * - failed authentications per client address on /internal/* and /v1/* (AUTH_FAILURES_PER_MINUTE):
 *   once reached, every request of that address to those routes is refused until the window ends,
 *   valid credentials included, so that guessing cannot go on.
 * Fixed one-minute windows, counted in Redis when REDIS_URL is set (shared by all replicas) and
 * in-process otherwise or while Redis is unreachable.
 *
 * Why hand-written: @fastify/rate-limit counts every request, while the second limit must count
 * only failed authentications and refuse the address before the credential is checked; and its
 * skipOnError drops every limit while Redis is down, where this falls back to in-process counters
 * (fail closed). A custom store for the plugin would have needed the same counter code plus an
 * adapter (docs/reliability.md, "Why not @fastify/rate-limit"). Not a speed question, so nothing was
 * timed against it. Kept honest by test/reliability/rate-limits.test.ts (both limits, two instances
 * sharing one budget through Redis, Redis dying and returning) and counter-store.test.ts.
 */
const WINDOW_MS = 60_000;

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until the window ends (at least 1): the Retry-After value. */
  resetInSeconds: number;
}

export interface RateLimiterOptions {
  requestsPerMinute: number;
  authFailuresPerMinute: number;
  store: CounterStore;
}

function decision(limit: number, count: number, resetInMs: number, allowed: boolean): LimitDecision {
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - count),
    resetInSeconds: Math.max(1, Math.ceil(resetInMs / 1000)),
  };
}

export class RateLimiter {
  readonly requestsPerMinute: number;
  readonly authFailuresPerMinute: number;
  private readonly store: CounterStore;

  constructor(options: RateLimiterOptions) {
    this.requestsPerMinute = options.requestsPerMinute;
    this.authFailuresPerMinute = options.authFailuresPerMinute;
    this.store = options.store;
  }

  /** Counts one request of a credential (or of an address, on /v1 routes without one). */
  async consumeRequest(subject: string): Promise<LimitDecision> {
    const { count, resetInMs } = await this.store.increment(`req:${subject}`, WINDOW_MS);
    return decision(this.requestsPerMinute, count, resetInMs, count <= this.requestsPerMinute);
  }

  /** Whether an address has used up its failed authentications in the current window. */
  async authFailureStatus(address: string): Promise<LimitDecision> {
    const { count, resetInMs } = await this.store.read(`authfail:${address}`, WINDOW_MS);
    return decision(this.authFailuresPerMinute, count, resetInMs, count < this.authFailuresPerMinute);
  }

  async recordAuthFailure(address: string): Promise<void> {
    await this.store.increment(`authfail:${address}`, WINDOW_MS);
  }
}

export const DEFAULT_KEY_PREFIX = 'msp-analytics:ratelimit:';

/**
 * The limiter of a server: shared through Redis when a connection is given (falling back to
 * in-process counters while it is down), in-process otherwise.
 */
export function createRateLimiter(
  config: Pick<Config, 'rateLimitPerMinute' | 'authFailuresPerMinute'>,
  redis: RedisConnection | undefined,
  options: { keyPrefix?: string; onModeChange?: (mode: StoreMode, error?: Error) => void } = {},
): RateLimiter {
  const local = new MemoryCounterStore();
  const store = redis
    ? new FailoverCounterStore(
        new RedisCounterStore(redis.client, options.keyPrefix ?? DEFAULT_KEY_PREFIX),
        local,
        () => redis.isUp(),
        options.onModeChange,
      )
    : local;
  return new RateLimiter({
    requestsPerMinute: config.rateLimitPerMinute,
    authFailuresPerMinute: config.authFailuresPerMinute,
    store,
  });
}
