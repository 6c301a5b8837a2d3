import type { Redis } from 'ioredis';

/**
 * Fixed-window counters: the first hit of a key opens a window of `windowMs`; every hit in it adds
 * one; the key vanishes when the window ends. Two implementations: in-process (one replica) and
 * Redis (shared by every replica). `FailoverCounterStore` uses Redis while it answers and the
 * in-process counters while it does not, so a Redis outage never stops the API nor lifts the limits.
 */
export interface WindowCount {
  /** Hits in the current window, this one included (for `increment`). */
  count: number;
  /** Milliseconds until the window closes (0 when there is no window open). */
  resetInMs: number;
}

export interface CounterStore {
  increment(key: string, windowMs: number): Promise<WindowCount>;
  /** The current count without adding a hit. */
  read(key: string, windowMs: number): Promise<WindowCount>;
}

interface Window {
  count: number;
  resetAt: number;
}

/**
 * In-process counters, bounded in memory. Windows are kept in creation order; as they all have the
 * same length here, the expired ones are at the front, and each hit drops those (and, past
 * `maxKeys`, the oldest live ones) without scanning the rest: a flood of distinct keys (rotating
 * client addresses) costs O(1) per request and at most `maxKeys` entries.
 */
export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async increment(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.delete(key);
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  async read(key: string, _windowMs?: number): Promise<WindowCount> {
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) return { count: 0, resetInMs: 0 };
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.resetAt > now && this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}

// INCR then PEXPIRE on the first hit, in one script so a crash between the two cannot leave a
// counter without expiry (PTTL -1 is repaired too).
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

const READ_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {count, ttl}`;

interface ScriptedRedis {
  rateLimitIncrement(key: string, windowMs: number): Promise<[number, number]>;
  rateLimitRead(key: string): Promise<[number, number]>;
}

/** Counters in Redis, shared by every replica that uses the same Redis and prefix. */
export class RedisCounterStore implements CounterStore {
  private readonly scripted: ScriptedRedis;

  constructor(
    client: Redis,
    private readonly prefix: string,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL when the script is not cached yet.
    if (!('rateLimitIncrement' in client)) {
      client.defineCommand('rateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
      client.defineCommand('rateLimitRead', { numberOfKeys: 1, lua: READ_SCRIPT });
    }
    this.scripted = client as unknown as ScriptedRedis;
  }

  async increment(key: string, windowMs: number): Promise<WindowCount> {
    const [count, ttl] = await this.scripted.rateLimitIncrement(this.prefix + key, windowMs);
    return { count: Number(count), resetInMs: Number(ttl) };
  }

  async read(key: string, _windowMs?: number): Promise<WindowCount> {
    const [count, ttl] = await this.scripted.rateLimitRead(this.prefix + key);
    return { count: Number(count), resetInMs: Number(ttl) };
  }
}

export type StoreMode = 'shared' | 'local';

/**
 * Redis while it is connected and answers; in-process counters otherwise. The Redis client must be
 * tuned to fail fast (redis-connection.ts: no offline queue, 500 ms command timeout), so a dead
 * Redis costs a request at most that long once, then nothing while the client is disconnected.
 */
export class FailoverCounterStore implements CounterStore {
  private mode: StoreMode = 'shared';

  constructor(
    private readonly shared: CounterStore,
    private readonly local: CounterStore,
    private readonly isSharedUp: () => boolean,
    private readonly onModeChange: (mode: StoreMode, error?: Error) => void = () => undefined,
  ) {}

  get currentMode(): StoreMode {
    return this.mode;
  }

  increment(key: string, windowMs: number): Promise<WindowCount> {
    return this.use((store) => store.increment(key, windowMs));
  }

  read(key: string, windowMs: number): Promise<WindowCount> {
    return this.use((store) => store.read(key, windowMs));
  }

  private async use(work: (store: CounterStore) => Promise<WindowCount>): Promise<WindowCount> {
    if (this.isSharedUp()) {
      try {
        const result = await work(this.shared);
        this.switchTo('shared');
        return result;
      } catch (error) {
        this.switchTo('local', error as Error);
      }
    } else {
      this.switchTo('local');
    }
    return work(this.local);
  }

  private switchTo(mode: StoreMode, error?: Error): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.onModeChange(mode, error);
  }
}
