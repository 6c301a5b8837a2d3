import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_SERVICE_TOKEN, type TestApp } from '../helpers/test-app.js';

interface Route {
  method: string;
  url: string;
}

/** Every /internal route, read from the generated OpenAPI document so a new route cannot be missed. */
function internalRoutes(t: TestApp): Route[] {
  const spec = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(spec.paths)
    .filter(([path]) => path.startsWith('/internal/'))
    .flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({
        method: method.toUpperCase(),
        url: `${path.replace('{entity}', 'tickets')}?tenant_id=550e8400-e29b-41d4-a716-446655440000`,
      })),
    );
}

describe('service token on /internal/*', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('knows the internal routes of the contract', () => {
    const urls = internalRoutes(t).map((r) => `${r.method} ${r.url.split('?')[0]}`);
    expect(urls).toContain('GET /internal/tenants');
    expect(urls).toContain('POST /internal/ingest/tickets');
  });

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['no Authorization header', {}, /missing Authorization/],
    ['a malformed header', { authorization: `Token ${TEST_SERVICE_TOKEN}` }, /malformed/],
    ['an empty bearer', { authorization: 'Bearer ' }, /malformed/],
    ['a wrong token', { authorization: `Bearer ${TEST_SERVICE_TOKEN}x` }, /invalid service token/],
    ['a tenant API key instead', { 'x-api-key': 'msk_AAAAAAAAAAAAAAAAAAAAAA_' + 'A'.repeat(43) }, /missing Authorization/],
  ];

  it.each(cases)('refuses %s with a 401 problem on every internal route', async (_name, headers, detail) => {
    for (const route of internalRoutes(t)) {
      const res = await t.app.inject({ method: route.method as 'GET', url: route.url, headers });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({ status: 401, title: 'Unauthorized' });
      expect(body.detail).toMatch(detail);
      expect(res.body).not.toContain(TEST_SERVICE_TOKEN);
    }
  });

  it('lets the right token through and lists tenants as a JSON array', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/internal/tenants', headers: t.internalHeaders });
    expect(res.statusCode).toBe(200);
    expect(Array.isArray(res.json())).toBe(true);
  });
});

describe('problem+json everywhere', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answers unknown routes with a 404 problem carrying the request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'req-123' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      type: expect.any(String),
      title: 'Not Found',
      status: 404,
      detail: expect.stringContaining('/nope'),
      request_id: 'req-123',
    });
    expect(res.headers['x-request-id']).toBe('req-123');
  });

  it('answers malformed JSON with a 400 problem that says what is wrong', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/internal/ingest/tickets?tenant_id=550e8400-e29b-41d4-a716-446655440000',
      headers: { ...t.internalHeaders, 'content-type': 'application/json' },
      payload: '[{"external_id": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/not valid JSON/);
  });

  it('puts security headers on every response', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('serves the OpenAPI document generated from the route schemas, and a docs page', async () => {
    const spec = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.statusCode).toBe(200);
    expect(Object.keys(spec.json().paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/internal/tenants']));
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/html/);
  });
});
