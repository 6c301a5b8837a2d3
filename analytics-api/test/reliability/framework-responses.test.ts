import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres } from '../helpers/test-database.js';
import { missingSecurityHeaders, waitFor } from './support.js';

/**
 * Issue #18, point 5: the responses Fastify and Node make themselves carry the API's security
 * headers and problem+json shape, and a handler running past REQUEST_TIMEOUT_MS is answered 503 with
 * its SQL statement cancelled and its connection back in the pool.
 */

const REQUEST_TIMEOUT_MS = 1_000;
const SLOW_SQL = 'SELECT pg_sleep(30) AS slept_for_issue_18';
const RAW_HEADERS = [
  'x-content-type-options: nosniff',
  'x-frame-options: deny',
  'referrer-policy: no-referrer',
  'cache-control: no-store',
  'content-type: application/problem+json',
];

/** Writes raw bytes and returns everything the server sends until it closes the connection. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    socket.on('error', (error) => (response ? resolve(response) : reject(error)));
    socket.on('close', () => resolve(response));
    socket.write(text);
  });
}

describe('responses the framework makes itself', () => {
  let t: TestApp;
  let port: number;
  let tenantId: string;
  let slowQueryFinished = false;

  beforeAll(async () => {
    t = await createTestApp({ REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), INGEST_BODY_LIMIT_MB: '1' }, undefined, {
      beforeReady: (app) => {
        // Stand-ins for a handler that takes too long: a long statement, and work that goes on after the timeout.
        app.get('/reliability/slow-statement', { schema: { hide: true } }, async (request) => {
          await request.db.query(onPostgres ? SLOW_SQL : 'SELECT 1');
          if (!onPostgres) await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS * 1.5));
          const after = await request.db.query('SELECT 1 AS still_running');
          slowQueryFinished = after.rows.length === 1;
          return { done: true };
        });
      },
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
    tenantId = (await createTenant(t.ctx.db, { name: 'Framework MSP' })).id;
  });
  afterAll(() => t.close());

  it.each([
    ['404 unknown route', () => t.app.inject({ method: 'GET', url: '/no/such/route' }), 404],
    [
      '405-ish unknown method on a known path',
      () => t.app.inject({ method: 'PUT', url: '/internal/tenants', headers: t.internalHeaders }),
      404,
    ],
    [
      '413 body over INGEST_BODY_LIMIT_MB',
      () =>
        t.app.inject({
          method: 'POST',
          url: `/internal/ingest/tickets?tenant_id=${tenantId}`,
          headers: { ...t.internalHeaders, 'content-type': 'application/json' },
          payload: `[${'"x",'.repeat(300_000)}"x"]`,
        }),
      413,
    ],
    [
      '415 unsupported media type',
      () =>
        t.app.inject({
          method: 'POST',
          url: `/internal/kpi/compute-daily?tenant_id=${tenantId}`,
          headers: { ...t.internalHeaders, 'content-type': 'application/xml' },
          payload: '<a/>',
        }),
      415,
    ],
    [
      '400 malformed JSON',
      () =>
        t.app.inject({
          method: 'POST',
          url: `/internal/ingest/tickets?tenant_id=${tenantId}`,
          headers: { ...t.internalHeaders, 'content-type': 'application/json' },
          payload: '[{"a":',
        }),
      400,
    ],
    ['400 malformed URL', () => t.app.inject({ method: 'GET', url: '/internal/tenants/%E0%A4%A', headers: t.internalHeaders }), 400],
  ])('%s: problem+json with the security headers', async (_name, send, status) => {
    const res = await send();
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), request_id: expect.any(String) });
    expect(missingSecurityHeaders(res.headers)).toEqual([]);
  });

  it.each([
    ['408: request not received within REQUEST_TIMEOUT_MS', 'GET /health HTTP/1.1\r\nHost: x\r\n', 408],
    ['431: headers too large', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['400: not HTTP', 'HELLO THERE\r\n\r\n', 400],
  ])('%s: answered by the API as problem+json with the security headers', async (_name, text, status) => {
    const response = await raw(port, text);
    expect(response).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    const [head, body] = response.split('\r\n\r\n', 2) as [string, string];
    for (const header of RAW_HEADERS) expect(head.toLowerCase()).toContain(header);
    expect(JSON.parse(body)).toMatchObject({ status, detail: expect.any(String), type: expect.stringMatching(/^https:/) });
  });

  it(`a handler past REQUEST_TIMEOUT_MS (${REQUEST_TIMEOUT_MS} ms) gets 503; its statement is cancelled, its connection returned, and it runs no further statement`, async () => {
    // Observed from a connection of the test's own, so that the app's pool does not reuse the backend.
    const observer = onPostgres ? new pg.Client({ connectionString: t.database.url }) : undefined;
    await observer?.connect();
    try {
      const backend = async () =>
        (
          await observer!.query<{ pid: number; state: string; query: string }>(
            'SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database() AND query = $1',
            [SLOW_SQL],
          )
        ).rows;
      const pending = t.app.inject({ method: 'GET', url: '/reliability/slow-statement' });
      let pid: number | undefined;
      if (observer) {
        await waitFor(
          async () => (pid = (await backend()).find((row) => row.state === 'active')?.pid) !== undefined,
          5_000,
          'the slow statement to run',
        );
      }
      const res = await pending;
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(/longer than the server's limit of 1000 ms/);
      expect(missingSecurityHeaders(res.headers)).toEqual([]);
      if (observer) {
        // The statement is gone (no longer active) and its backend is still there, idle: the connection
        // was kept and went back to the pool rather than being closed.
        await waitFor(async () => !(await backend()).some((row) => row.state === 'active'), 5_000, 'the slow statement to be cancelled');
        const { rows } = await observer.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
        expect(rows[0]?.state).toMatch(/^idle/);
      } else {
        await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS));
      }
    } finally {
      await observer?.end();
    }
    // The handler's next statement was refused, and the database serves other requests.
    expect(slowQueryFinished).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: '/internal/tenants', headers: t.internalHeaders })).statusCode).toBe(200);
  });
});
