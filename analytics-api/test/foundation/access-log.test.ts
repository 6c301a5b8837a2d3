import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** At LOG_LEVEL=info a request writes one log line, when it is answered, with what an operator needs. */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ LOG_LEVEL: 'info' });
});
afterAll(() => t.close());

describe('access log', () => {
  it('writes one line per request with method, URL, status and time', async () => {
    for (const [url, status] of [
      ['/health', 200],
      ['/no/such/route?x=1', 404],
    ] as const) {
      const id = `access-log-${status}`;
      const res = await t.app.inject({ method: 'GET', url, headers: { 'x-request-id': id } });
      expect(res.statusCode).toBe(status);
      const lines = t.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['reqId'] === id);
      expect(lines, url).toHaveLength(1);
      expect(lines[0]).toMatchObject({ msg: 'request completed', req: { method: 'GET', url }, res: { statusCode: status } });
      expect(typeof lines[0]!['responseTime']).toBe('number');
    }
  });
});

describe('request logger at LOG_LEVEL=warn (made on its first line: http/lazy-child-logger.ts)', () => {
  let w: TestApp;
  beforeAll(async () => {
    w = await createTestApp({ LOG_LEVEL: 'warn' }, undefined, {
      beforeReady: (app) => {
        app.get('/log-probe', { schema: { hide: true } }, async (request) => {
          request.log.info('below the level: not written');
          request.log.warn({ probe: 1 }, 'probe warning');
          request.log.child({ part: 'inner' }).error('probe error');
          return { ok: true };
        });
      },
    });
  });
  afterAll(() => w.close());

  it("writes a request's lines at or above the level, with its request id and bindings, and nothing below it", async () => {
    const id = 'lazy-logger-probe';
    expect((await w.app.inject({ method: 'GET', url: '/log-probe', headers: { 'x-request-id': id } })).statusCode).toBe(200);
    const lines = w.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['reqId'] === id);
    expect(lines.map((l) => l['msg'])).toEqual(['probe warning', 'probe error']);
    expect(lines[0]).toMatchObject({ probe: 1 });
    expect(lines[1]).toMatchObject({ part: 'inner' });
  });
});
