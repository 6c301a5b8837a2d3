import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../src/http/context.js';
import { requireTenant } from '../../src/http/plugins/tenant-auth.js';
import { freePort } from '../helpers/processes.js';

/**
 * Redis for these tests: TEST_REDIS_URL (CI sets it, and then Redis is required), else the local
 * default. Database 15 keeps test keys away from anything else; the tests' keys are unique per run
 * (fresh credential ids, random client addresses).
 */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379/15';
export const redisRequired = Boolean(process.env.TEST_REDIS_URL);

export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Polls until `check` holds; throws with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A client address of its own, so that per-address counters of one test never meet another's. */
export function randomAddress(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

export const PROBE_URL = '/v1/reliability-probe';

/**
 * A /v1 route behind the real tenant auth hook (same scope set-up as app.ts), for tests of the
 * mechanics that every /v1 route shares (limits, auth) independently of the KPI routes.
 */
export async function addTenantProbe(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(async (scope) => {
    requireTenant(scope, ctx);
    scope.get(PROBE_URL, { schema: { hide: true } }, async (request) => ({ tenant_id: request.tenantId }));
  });
}

/** A private redis-server on a free port, which a test may stop and start again. */
export interface PrivateRedis {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}/0`;
  return {
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      await waitFor(() => redisAnswers(url), 10_000, `redis-server on port ${port}`);
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((r) => running.once('exit', r));
      running.kill('SIGKILL');
      await exited;
    },
  };
}

export const SECURITY_HEADERS = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'x-request-id', 'cache-control'] as const;

/** Every response carries the security headers (security-headers.ts). */
export function missingSecurityHeaders(headers: Record<string, unknown>): string[] {
  return SECURITY_HEADERS.filter((name) => headers[name] === undefined);
}
