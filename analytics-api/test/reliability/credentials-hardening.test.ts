import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { createApiKey, createTenant, listApiKeys, parseExpiry } from '../../src/tenants/tenant-service.js';
import { findSecrets, LogCapture } from '../helpers/log-capture.js';
import { createTestApp, TEST_SERVICE_TOKEN, type TestApp } from '../helpers/test-app.js';
import { missingSecurityHeaders } from './support.js';

/** Issue #18: no credential in URLs or logs (point 2), service token rotation and expiring keys (point 8). */

const PREVIOUS_TOKEN = 'previous-service-token-0123456789abcdefghijkl';

describe('credentials in the URL, in logs, and their rotation', () => {
  let t: TestApp;
  let tenantId: string;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp({ SERVICE_TOKEN_PREVIOUS: PREVIOUS_TOKEN });
    tenantId = (await createTenant(t.ctx.db, { name: 'Rotation MSP' })).id;
    key = (await createApiKey(t.ctx.db, tenantId, 'dashboard')).key;
  });
  afterAll(() => t.close());

  it.each(['api_key', 'token', 'key', 'access_token', 'API_KEY', 'Access%5Ftoken'])(
    'refuses a credential in the query string (?%s=) with 400 saying to use the header, and logs the URL with the value replaced',
    async (name) => {
      const before = t.logs.lines.length;
      const res = await t.app.inject({
        method: 'GET',
        url: `/v1/kpis/daily?date=2026-01-05&${name}=${key}`,
        headers: { 'x-api-key': key },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(/not accepted in the URL.*X-API-Key header/);
      expect(res.body).not.toContain(key);
      expect(missingSecurityHeaders(res.headers)).toEqual([]);
      const lines = t.logs.lines.slice(before);
      expect(lines.some((line) => line.includes(`${name}=[redacted]`))).toBe(true);
      expect(lines.join('\n')).not.toContain(key.slice(-43));
      // /internal too, and the service token.
      const internal = await t.app.inject({
        method: 'GET',
        url: `/internal/tenants?${name}=${TEST_SERVICE_TOKEN}`,
        headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` },
      });
      expect(internal.statusCode).toBe(400);
    },
  );

  it('the log check itself finds keys, tokens and configured secrets (so a leak would fail the test file at close)', () => {
    const capture = new LogCapture(['a-configured-secret-value']);
    capture.write(`{"msg":"x","url":"/v1?k=${key}"}`);
    capture.write('{"msg":"token eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJ4In0.c2lnbmF0dXJlLXZhbHVl"}');
    capture.write('{"msg":"a-configured-secret-value"}');
    capture.write('{"msg":"harmless","url":"/v1?api_key=[redacted]"}');
    expect(capture.leaks).toHaveLength(3);
    expect(() => capture.assertNoSecrets()).toThrow(/secrets in 3 log line/);
    expect(findSecrets(JSON.stringify({ url: '/v1?api_key=[redacted]' }))).toEqual([]);
  });

  it('accepts SERVICE_TOKEN and SERVICE_TOKEN_PREVIOUS during a rotation, logs which one matched and never their values', async () => {
    const before = t.logs.lines.length;
    const current = await t.app.inject({
      method: 'GET',
      url: '/internal/tenants',
      headers: { authorization: `Bearer ${TEST_SERVICE_TOKEN}` },
    });
    const previous = await t.app.inject({
      method: 'GET',
      url: '/internal/tenants',
      headers: { authorization: `Bearer ${PREVIOUS_TOKEN}` },
    });
    const neither = await t.app.inject({
      method: 'GET',
      url: '/internal/tenants',
      headers: { authorization: `Bearer ${PREVIOUS_TOKEN}x` },
    });
    expect([current.statusCode, previous.statusCode, neither.statusCode]).toEqual([200, 200, 401]);
    const logged = t.logs.lines.slice(before).join('\n');
    expect(logged).toContain('"service_credential":"SERVICE_TOKEN"');
    expect(logged).toContain('"service_credential":"SERVICE_TOKEN_PREVIOUS"');
    expect(logged).not.toContain(PREVIOUS_TOKEN);
    expect(logged).not.toContain(TEST_SERVICE_TOKEN);
  });

  it('validates SERVICE_TOKEN_PREVIOUS and TRUST_PROXY at start', () => {
    const base = { DATABASE_URL: 'postgres://u@h/db', SERVICE_TOKEN: TEST_SERVICE_TOKEN };
    expect(() => loadConfig({ ...base, SERVICE_TOKEN_PREVIOUS: 'short' })).toThrow(/SERVICE_TOKEN_PREVIOUS: must be at least 32/);
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL, SERVICE_TOKEN_PREVIOUS: PREVIOUS_TOKEN })).toThrow(ConfigError);
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 172.16.0.1,loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '172.16.0.1',
      'loopback',
    ]);
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: true would trust/);
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'traefik' })).toThrow(/TRUST_PROXY: "traefik" is not an address/);
  });

  it('an expired API key gets 401 saying it expired (also when it was cached a moment before); list shows prefix, name, created, last used, expires, state', async () => {
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const expiring = await createApiKey(t.ctx.db, tenantId, 'short-lived', expiresAt);
    expect(expiring.expires_at).toBe(expiresAt);
    const url = '/v1/kpis/daily?from=2026-01-01&to=2026-01-02';
    expect((await t.app.inject({ method: 'GET', url, headers: { 'x-api-key': expiring.key } })).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));
    const refused = await t.app.inject({ method: 'GET', url, headers: { 'x-api-key': expiring.key } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().detail).toMatch(/^API key expired at /);
    expect(refused.body).not.toContain(expiring.key);
    // The key that does not expire still works.
    expect((await t.app.inject({ method: 'GET', url, headers: { 'x-api-key': key } })).statusCode).toBe(200);

    await t.ctx.credentials.flushKeyUsage();
    const listed = await listApiKeys(t.ctx.db, tenantId);
    const byName = Object.fromEntries(listed.map((k) => [k.name, k]));
    expect(byName['dashboard']).toMatchObject({ state: 'active', expires_at: null, revoked_at: null });
    expect(byName['dashboard']!.last_used_at).not.toBeNull();
    expect(byName['short-lived']).toMatchObject({ state: 'expired', expires_at: expiresAt });
    expect(byName['short-lived']!.key_prefix).toMatch(/^msk_…/);
    expect(JSON.stringify(listed)).not.toContain(key.slice(-43));
  });

  it('refuses an expiry that is not a date or not in the future', () => {
    expect(() => parseExpiry('tomorrow')).toThrow(/not a date/);
    expect(() => parseExpiry('2020-01-01')).toThrow(/not in the future/);
    expect(parseExpiry('2999-12-31').toISOString()).toBe('2999-12-31T00:00:00.000Z');
    expect(parseExpiry('2999-12-31T10:00:00+02:00').toISOString()).toBe('2999-12-31T08:00:00.000Z');
  });
});
