import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/api-keys.js';
import { authenticateApiKey } from '../../src/auth/tenant-credentials.js';
import { createApiKey, createTenant, revokeApiKeys, setTenantActive } from '../../src/tenants/tenant-service.js';
import { createTestApp, TEST_JWT_SECRET, TEST_SERVICE_TOKEN, type TestApp } from '../helpers/test-app.js';
import { missingSecurityHeaders } from './support.js';

/**
 * Every route, enumerated from the router itself (printRoutes) and checked against the OpenAPI
 * document, so that a route added later cannot escape the matrix: it must either be documented
 * with a security scheme that matches its prefix, or be one of the known open routes.
 *
 * Decision (docs/reliability.md): every credential that does not authenticate a principal of the
 * route's own kind is refused with 401 — missing, malformed, wrong, expired, revoked, of an
 * inactive or unknown tenant, or valid but of the other kind (tenant key or JWT on /internal,
 * service token on /v1). 403 is kept for an authenticated caller refused an action; no route has one.
 */

interface Route {
  method: string;
  path: string;
}

type Kind = 'open' | 'internal' | 'tenant' | 'token-exchange';

/** Open routes with no data: health, OpenAPI, docs and the dashboard's static page (it calls /v1 with the user's key). */
const OPEN_DOCUMENTED = new Set(['/health', '/ready']);
const OPEN_UNDOCUMENTED = [/^\/$/, /^\/openapi\.json$/, /^\/docs(\/.*)?$/, /^\/dashboard(\/.*)?$/];

/** Parses Fastify's route tree (printRoutes, commonPrefix false) into method + full path pairs. */
function routesOf(t: TestApp): Route[] {
  const tree = t.app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[└├]── (.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) {
      if (line.trim() !== '') throw new Error(`unexpected printRoutes line: ${JSON.stringify(line)}`);
      continue;
    }
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = `${depth === 0 ? '' : stack[depth - 1]}${match[2]}`;
    stack[depth] = path;
    // find-my-way prints '/dashboard/*' as a '*' node under 'dashboard': put the slash back.
    const full = path.replace(/([^/])\*$/, '$1/*');
    for (const method of match[3]!.split(',').map((m) => m.trim())) routes.push({ method, path: full });
  }
  return routes;
}

function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

function concreteUrl(path: string, tenantId: string): string {
  const url = path
    .replace(':entity', 'tickets')
    .replace(/:(\w+)/g, 'x')
    .replace('*', 'x');
  if (url.startsWith('/internal/')) return `${url}?tenant_id=${tenantId}&date=2026-01-10`;
  if (url.startsWith('/v1/kpis')) return `${url}?date=2026-01-10`;
  return url;
}

/** Tokens, keys and secrets that must never come back in a response body. */
const LEAK_PATTERNS = [/\n\s+at /, /"stack"/, /node_modules/, /\/work\//, /\bSELECT\b/i, /\bINSERT INTO\b/i, /\bpg_/, /syntax error at/];

describe('authorization matrix over every route', () => {
  let t: TestApp;
  let tenantId: string;
  let apiKey: string;
  let jwt: string;
  const secrets: string[] = [];
  const internalCases: Array<[string, Record<string, string>]> = [];
  const tenantCases: Array<[string, Record<string, string>]> = [];
  const exchangeCases: Array<[string, Record<string, string>]> = [];
  let routes: Route[] = [];
  const kindOf = new Map<string, Kind>();

  const sign = (claims: Record<string, unknown>, options: { alg?: string; secret?: string; exp?: string | number | null } = {}) => {
    let builder = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).setIssuedAt();
    if (options.exp !== null) builder = builder.setExpirationTime(options.exp ?? '10m');
    return builder.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
  };

  beforeAll(async () => {
    t = await createTestApp();
    const db = t.ctx.db;
    tenantId = (await createTenant(db, { name: 'Matrix MSP' })).id;
    apiKey = (await createApiKey(db, tenantId, 'good')).key;
    const revokedTenant = (await createTenant(db, { name: 'Revoked Key MSP' })).id;
    const revokedKey = (await createApiKey(db, revokedTenant, 'revoked')).key;
    await revokeApiKeys(db, revokedTenant, { key: revokedKey });
    const inactiveTenant = (await createTenant(db, { name: 'Inactive MSP' })).id;
    const inactiveKey = (await createApiKey(db, inactiveTenant, 'inactive')).key;
    await setTenantActive(db, inactiveTenant, false);
    const unknownTenant = '00000000-0000-4000-8000-00000000dead';
    const unknownKey = generateApiKey(tenantId).key; // well formed, right tenant, never stored

    const token = await t.app.inject({ method: 'POST', url: '/v1/auth/token', headers: { 'x-api-key': apiKey } });
    expect(token.statusCode, token.body).toBe(200);
    jwt = token.json().access_token;
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), tenant_id: inactiveTenant }),
    ).toString('base64url');
    const rsa = await generateKeyPair('RS256');
    const rs256 = await new SignJWT({ tenant_id: tenantId })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('10m')
      .sign(rsa.privateKey);
    const wrongToken = `${TEST_SERVICE_TOKEN.slice(0, -1)}${TEST_SERVICE_TOKEN.endsWith('x') ? 'y' : 'x'}`;

    const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
    const jwtCases: Array<[string, string]> = [
      ['a JWT with alg none', new UnsecuredJWT({ tenant_id: tenantId }).setExpirationTime('10m').encode()],
      ['a JWT signed HS512 with the right secret', await sign({ tenant_id: tenantId }, { alg: 'HS512' })],
      ['a JWT signed RS256', rs256],
      ['a JWT with a wrong signature (other secret)', await sign({ tenant_id: tenantId }, { secret: `${TEST_JWT_SECRET}-other` })],
      ['a JWT whose payload was changed (tenant swapped)', `${header}.${forgedPayload}.${signature}`],
      ['a JWT with its signature cut', `${header}.${payload}.`],
      ['an expired JWT', await sign({ tenant_id: tenantId }, { exp: Math.floor(Date.now() / 1000) - 3600 })],
      ['a JWT without exp', await sign({ tenant_id: tenantId }, { exp: null })],
      ['a JWT without tenant_id', await sign({ sub: tenantId })],
      ['a JWT whose tenant_id is not a UUID', await sign({ tenant_id: "1' OR '1'='1" })],
      ['a JWT for an unknown tenant', await sign({ tenant_id: unknownTenant })],
      ['a JWT for an inactive tenant', await sign({ tenant_id: inactiveTenant })],
      ['a JWT that is not a JWT', 'not.a.jwt'],
    ];

    const common: Array<[string, Record<string, string>]> = [
      ['no credential', {}],
      ['an empty Authorization header', { authorization: '' }],
      ['a Basic Authorization header', { authorization: `Basic ${Buffer.from(`user:${TEST_SERVICE_TOKEN}`).toString('base64')}` }],
      ['a bare "Bearer"', { authorization: 'Bearer' }],
      ['a Bearer with two values', { authorization: `Bearer ${TEST_SERVICE_TOKEN} ${TEST_SERVICE_TOKEN}` }],
      ['an oversized Bearer', bearer('A'.repeat(5000))],
    ];
    internalCases.push(
      ...common,
      ['a wrong service token (one character off)', bearer(wrongToken)],
      ['the service token with a prefix', bearer(`x${TEST_SERVICE_TOKEN}`)],
      ['the service token in X-API-Key', { 'x-api-key': TEST_SERVICE_TOKEN }],
      ['a valid tenant API key in X-API-Key', { 'x-api-key': apiKey }],
      ['a valid tenant API key as Bearer', bearer(apiKey)],
      ['a valid tenant JWT as Bearer', bearer(jwt)],
      ...jwtCases.map(([name, value]): [string, Record<string, string>] => [name, bearer(value)]),
    );
    const keyCases: Array<[string, Record<string, string>]> = [
      ['a malformed API key', { 'x-api-key': 'msk_nonsense' }],
      ['an API key with SQL in it', { 'x-api-key': "msk_' OR 1=1 --" }],
      ['a well-formed API key that was never issued', { 'x-api-key': unknownKey }],
      ['a revoked API key', { 'x-api-key': revokedKey }],
      ['an API key of an inactive tenant', { 'x-api-key': inactiveKey }],
      ['the service token in X-API-Key', { 'x-api-key': TEST_SERVICE_TOKEN }],
      ['a JWT in X-API-Key', { 'x-api-key': jwt }],
    ];
    tenantCases.push(
      ...common,
      ...keyCases,
      ['the service token as Bearer', bearer(TEST_SERVICE_TOKEN)],
      ['an invalid API key next to a valid JWT (no fallback)', { 'x-api-key': 'msk_nonsense', ...bearer(jwt) }],
      ...jwtCases.map(([name, value]): [string, Record<string, string>] => [name, bearer(value)]),
    );
    exchangeCases.push(
      ['no credential', {}],
      ...keyCases,
      ['a valid JWT instead of a key', bearer(jwt)],
      ['the service token as Bearer', bearer(TEST_SERVICE_TOKEN)],
    );
    secrets.push(
      TEST_SERVICE_TOKEN,
      TEST_JWT_SECRET,
      apiKey,
      revokedKey,
      inactiveKey,
      unknownKey,
      jwt,
      rs256,
      ...jwtCases.map(([, v]) => v).filter((v) => v.length > 20),
    );

    routes = routesOf(t);
    const documented = (t.app.swagger() as { paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>> }).paths;
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      // HEAD routes are Fastify's automatic twins of GET routes: they share the GET route's hooks.
      const doc = documented[openApiPath(route.path)]?.[route.method === 'HEAD' ? 'get' : route.method.toLowerCase()];
      const schemes = (doc?.security ?? []).flatMap((s) => Object.keys(s)).sort();
      if (route.path.startsWith('/internal')) {
        expect(schemes, `${key} must declare the serviceToken scheme`).toEqual(['serviceToken']);
        kindOf.set(key, 'internal');
      } else if (route.path === '/v1/auth/token') {
        expect(schemes, key).toEqual(['apiKey']);
        kindOf.set(key, 'token-exchange');
      } else if (route.path.startsWith('/v1')) {
        expect(schemes, `${key} must declare the tenant schemes`).toEqual(['apiKey', 'bearerJwt']);
        kindOf.set(key, 'tenant');
      } else {
        const known = OPEN_DOCUMENTED.has(route.path) ? doc !== undefined : OPEN_UNDOCUMENTED.some((re) => re.test(route.path));
        expect(known, `${key} is neither under /internal or /v1 nor a known open route`).toBe(true);
        kindOf.set(key, 'open');
      }
    }
  });
  afterAll(() => t.close());

  it('finds every route of the contract in the router, and every documented path in the router', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'GET /health',
      'GET /ready',
      'GET /internal/tenants',
      'POST /internal/ingest/:entity',
      'POST /v1/auth/token',
      'GET /v1/kpis/daily',
    ]) {
      expect(keys).toContain(expected);
    }
    const documented = Object.keys((t.app.swagger() as { paths: Record<string, unknown> }).paths);
    const routed = new Set(routes.map((r) => openApiPath(r.path)));
    for (const path of documented) expect(routed.has(path), path).toBe(true);
  });

  function expectRefused(res: Awaited<ReturnType<TestApp['app']['inject']>>, what: string, method: string) {
    expect(res.statusCode, `${what}: ${res.body}`).toBe(401);
    expect(missingSecurityHeaders(res.headers), what).toEqual([]);
    if (method === 'HEAD') return;
    expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
    expect(res.json(), what).toMatchObject({ status: 401, title: 'Unauthorized', detail: expect.any(String) });
    for (const secret of secrets) expect(res.body.includes(secret), `${what} echoes a secret`).toBe(false);
    for (const pattern of LEAK_PATTERNS) expect(res.body, what).not.toMatch(pattern);
  }

  it('refuses every wrong credential on every /internal route with 401, leaking nothing', async () => {
    const internal = routes.filter((r) => kindOf.get(`${r.method} ${r.path}`) === 'internal');
    expect(internal.length).toBeGreaterThanOrEqual(3);
    for (const route of internal) {
      for (const [name, headers] of internalCases) {
        const res = await t.app.inject({ method: route.method as 'GET', url: concreteUrl(route.path, tenantId), headers });
        expectRefused(res, `${route.method} ${route.path} with ${name}`, route.method);
      }
    }
  });

  it('refuses every wrong credential on every tenant (/v1) route with 401, leaking nothing', async () => {
    const tenant = routes.filter((r) => kindOf.get(`${r.method} ${r.path}`) === 'tenant');
    expect(tenant.length).toBeGreaterThanOrEqual(1);
    for (const route of tenant) {
      for (const [name, headers] of tenantCases) {
        const res = await t.app.inject({ method: route.method as 'GET', url: concreteUrl(route.path, tenantId), headers });
        expectRefused(res, `${route.method} ${route.path} with ${name}`, route.method);
      }
    }
  });

  it('refuses every wrong credential on the token exchange (POST /v1/auth/token) with 401', async () => {
    for (const [name, headers] of exchangeCases) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/auth/token', headers });
      expectRefused(res, `POST /v1/auth/token with ${name}`, 'POST');
    }
  });

  it('lets the right credential through on every route (so the refusals above are about the credential)', async () => {
    for (const route of routes) {
      const kind = kindOf.get(`${route.method} ${route.path}`)!;
      if (kind === 'open') continue;
      const variants: Array<Record<string, string>> =
        kind === 'internal'
          ? [{ authorization: `Bearer ${TEST_SERVICE_TOKEN}` }]
          : kind === 'token-exchange'
            ? [{ 'x-api-key': apiKey }]
            : [{ 'x-api-key': apiKey }, { authorization: `Bearer ${jwt}` }];
      for (const headers of variants) {
        const res = await t.app.inject({ method: route.method as 'GET', url: concreteUrl(route.path, tenantId), headers });
        expect([401, 403, 429], `${route.method} ${route.path}: ${res.body}`).not.toContain(res.statusCode);
        expect(res.statusCode, `${route.method} ${route.path}: ${res.body}`).toBeLessThan(500);
      }
    }
  });

  it('serves the open routes without a credential, with security headers, and without tenant data', async () => {
    for (const route of routes.filter((r) => kindOf.get(`${r.method} ${r.path}`) === 'open')) {
      const res = await t.app.inject({ method: route.method as 'GET', url: concreteUrl(route.path, tenantId) });
      expect(res.statusCode, `${route.method} ${route.path}`).toBeLessThan(500);
      expect(missingSecurityHeaders(res.headers), `${route.method} ${route.path}`).toEqual([]);
      expect(res.body).not.toContain(tenantId);
      for (const secret of secrets) expect(res.body.includes(secret)).toBe(false);
    }
  });
});

describe('API key revocation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('revoking one key (api-key revoke --key) leaves the tenant’s other keys working', async () => {
    const tenant = (await createTenant(t.ctx.db, { name: 'Two Keys MSP' })).id;
    const n8nKey = (await createApiKey(t.ctx.db, tenant, 'n8n')).key;
    const leakedKey = (await createApiKey(t.ctx.db, tenant, 'leaked')).key;
    await revokeApiKeys(t.ctx.db, tenant, { key: leakedKey });
    await expect(authenticateApiKey(t.ctx.db, leakedKey)).rejects.toMatchObject({ detail: 'API key revoked' });
    await expect(authenticateApiKey(t.ctx.db, n8nKey)).resolves.toMatchObject({ tenantId: tenant });
  });

  it('presenting a key that was never issued revokes nothing', async () => {
    const tenant = (await createTenant(t.ctx.db, { name: 'Forged Revoke MSP' })).id;
    const realKey = (await createApiKey(t.ctx.db, tenant, 'real')).key;
    const forged = generateApiKey(tenant).key;
    await expect(revokeApiKeys(t.ctx.db, tenant, { key: forged })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(authenticateApiKey(t.ctx.db, realKey)).resolves.toMatchObject({ tenantId: tenant });
  });
});
