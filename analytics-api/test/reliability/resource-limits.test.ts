import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/http/json-body.js';
import { createApiKey, createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { missingSecurityHeaders } from './support.js';

/**
 * Limits on what one request may cost (OWASP API4:2023, unrestricted resource consumption).
 * Already proven in test/ingest/ingest-http.test.ts: ingest body over INGEST_BODY_LIMIT_MB → 413,
 * 100,000 levels of nesting → 400, one record over INGEST_MAX_RECORDS → 413.
 */
const REQUEST_TIMEOUT_MS = 1_000;

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe('resource limits', () => {
  let t: TestApp;
  let tenantId: string;
  let apiKey: string;

  const ingest = (payload: string, entity = 'tickets') =>
    t.app.inject({
      method: 'POST',
      url: `/internal/ingest/${entity}?tenant_id=${tenantId}`,
      headers: { ...t.internalHeaders, 'content-type': 'application/json' },
      payload,
    });
  const rows = async () =>
    (
      await t.ctx.db.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM raw_tickets WHERE tenant_id = $1) + (SELECT count(*) FROM ingestion_runs WHERE tenant_id = $1) AS n',
        [tenantId],
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    t = await createTestApp({ INGEST_MAX_RECORDS: '50', REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
    tenantId = (await createTenant(t.ctx.db, { name: 'Limits MSP' })).id;
    apiKey = (await createApiKey(t.ctx.db, tenantId, 'limits')).key;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('refuses a body over 1 MiB on routes other than ingest with 413, before authentication costs anything', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(1024 * 1024) });
    for (const [url, headers] of [
      ['/v1/auth/token', { 'x-api-key': apiKey }],
      [`/internal/kpi/compute-daily?tenant_id=${tenantId}&date=2026-01-10`, t.internalHeaders],
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: big });
      expect(res.statusCode, url).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(/larger than the configured limit/);
    }
  });

  it(`accepts JSON nested ${MAX_JSON_DEPTH} levels deep and refuses ${MAX_JSON_DEPTH + 1} with 400; brackets inside strings do not count`, async () => {
    // array (1) + record object (2) + the value of "extra" (the rest)
    const record = (depth: number) => `[{"external_id":"DEPTH-${depth}","created_at":"2026-01-10T09:00:00Z","extra":${nested(depth - 2)}}]`;
    const atLimit = await ingest(record(MAX_JSON_DEPTH));
    expect(atLimit.statusCode, atLimit.body).toBe(200);
    expect(atLimit.json()).toMatchObject({ received: 1, inserted: 1 });
    const over = await ingest(record(MAX_JSON_DEPTH + 1));
    expect(over.statusCode).toBe(400);
    expect(over.json().detail).toMatch(/nesting deeper than 64/);
    const inString = await ingest(`[{"external_id":"BRACKETS","created_at":"2026-01-10T09:00:00Z","summary":"${'['.repeat(10_000)}"}]`);
    expect(inString.statusCode, inString.body).toBe(200);
  });

  it('accepts exactly INGEST_MAX_RECORDS records, refuses one more with 413 and writes nothing for it', async () => {
    const records = (n: number, prefix: string) =>
      JSON.stringify(Array.from({ length: n }, (_, i) => ({ external_id: `${prefix}-${i}`, created_at: '2026-01-10T09:00:00Z' })));
    expect((await ingest(records(50, 'MAX'))).statusCode).toBe(200);
    const before = await rows();
    const over = await ingest(records(51, 'OVER'));
    expect(over.statusCode).toBe(413);
    expect(over.json().detail).toMatch(/51 records in one call; the limit is 50/);
    expect(await rows()).toBe(before);
  });

  it('refuses KPI ranges longer than 366 days with 400 (read and compute), and inverted ranges', async () => {
    const read = (query: string) => t.app.inject({ method: 'GET', url: `/v1/kpis/daily?${query}`, headers: { 'x-api-key': apiKey } });
    const compute = (query: string) =>
      t.app.inject({ method: 'POST', url: `/internal/kpi/compute-daily?tenant_id=${tenantId}&${query}`, headers: t.internalHeaders });
    // 2024 is a leap year: 2024-01-01..2024-12-31 is 366 days, ..2025-01-01 is 367.
    const ok = await read('from=2024-01-01&to=2024-12-31');
    expect(ok.statusCode, ok.body).toBe(200);
    for (const res of [
      await read('from=2024-01-01&to=2025-01-01'),
      await compute('from=2024-01-01&to=2025-01-01'),
      await read('from=2000-01-01&to=2099-12-31'),
    ]) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().detail).toMatch(/366/);
    }
    for (const res of [await read('from=2026-02-01&to=2026-01-01'), await compute('from=2026-02-01&to=2026-01-01')]) {
      expect(res.statusCode, res.body).toBe(400);
    }
  });

  it.each([
    ['headers never finished', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n'],
    ['body never finished (authenticated ingest)', 'BODY'],
  ])(
    `cuts a client that sends its request too slowly (slowloris: %s) with 408 after REQUEST_TIMEOUT_MS (${REQUEST_TIMEOUT_MS} ms)`,
    async (_name, request) => {
      const address = t.app.server.address() as { port: number };
      const text =
        request === 'BODY'
          ? `POST /internal/ingest/tickets?tenant_id=${tenantId} HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.internalHeaders.authorization}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"external_id":'
          : request;
      const started = Date.now();
      const outcome = await new Promise<{ response: string; ms: number }>((resolve, reject) => {
        const socket = connect(address.port, '127.0.0.1');
        let response = '';
        socket.on('data', (chunk) => (response += chunk.toString()));
        socket.on('error', reject);
        socket.on('close', () => resolve({ response, ms: Date.now() - started }));
        socket.write(text);
      });
      expect(outcome.response).toMatch(/^HTTP\/1\.1 408/);
      // The bound: the request timeout (plus the server's checking interval, a quarter of it).
      expect(outcome.ms).toBeLessThan(REQUEST_TIMEOUT_MS * 2);
    },
  );

  it('puts the security headers on every kind of response', async () => {
    const responses = [
      await t.app.inject({ method: 'GET', url: '/health' }),
      await t.app.inject({ method: 'HEAD', url: '/ready' }),
      await t.app.inject({ method: 'GET', url: '/openapi.json' }),
      await t.app.inject({ method: 'GET', url: '/docs/' }),
      await t.app.inject({ method: 'GET', url: '/nope' }),
      await t.app.inject({ method: 'DELETE', url: '/internal/tenants', headers: t.internalHeaders }),
      await t.app.inject({ method: 'GET', url: '/internal/tenants' }),
      await t.app.inject({ method: 'GET', url: '/internal/tenants', headers: t.internalHeaders }),
      await t.app.inject({ method: 'GET', url: '/v1/kpis/daily?date=2026-13-45', headers: { 'x-api-key': apiKey } }),
      await t.app.inject({ method: 'GET', url: '/v1/kpis/daily?date=1999-01-01', headers: { 'x-api-key': apiKey } }),
      await ingest('{'),
      await t.app.inject({
        method: 'POST',
        url: `/internal/ingest/tickets?tenant_id=${tenantId}`,
        headers: { ...t.internalHeaders, 'content-type': 'application/xml' },
        payload: '<x/>',
      }),
      await ingest(JSON.stringify(Array.from({ length: 51 }, () => ({})))),
    ];
    const statuses = responses.map((r) => r.statusCode);
    expect(new Set(statuses)).toEqual(new Set([200, 404, 401, 400, 415, 413]));
    for (const res of responses) {
      expect(missingSecurityHeaders(res.headers), `${res.statusCode} ${res.body.slice(0, 80)}`).toEqual([]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    // Every API answer forbids framing and scripts; only the docs page loosens its own CSP.
    for (const res of responses.filter((r) => !(r.headers['content-type'] ?? '').toString().includes('html'))) {
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    }
  });
});
