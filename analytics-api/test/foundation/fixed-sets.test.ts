import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { newTenant } from '../kpi/helpers.js';

/** A value outside a fixed set is answered like the CLI answers it: "must be one of …", with the values. */
let t: TestApp;
let tenant: string;
let key: string;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await newTenant(t.ctx.db, { timezone: 'UTC', name: 'Fixed sets' });
  key = (await createApiKey(t.ctx.db, tenant, 'k')).key;
});
afterAll(() => t.close());

describe('values outside a fixed set', () => {
  it.each([
    [
      'POST',
      (): string => `/internal/exports/generate?tenant_id=${tenant}&format=xml`,
      'querystring.format must be one of both, csv, parquet',
    ],
    ['POST', (): string => `/internal/ingest/ticket?tenant_id=${tenant}`, 'params.entity must be one of tickets, time_entries'],
    ['GET', (): string => '/v1/kpis/daily?date=2026-01-24&group_by=foo', 'must be one of client, technician, priority'],
  ] as const)('%s %s says which values are allowed', async (method, url, expected) => {
    const headers = url().startsWith('/v1') ? { 'x-api-key': key } : t.internalHeaders;
    const res = await t.app.inject({ method, url: url(), headers });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json() as { detail: string };
    expect(body.detail).toContain(expected);
    expect(body.detail).not.toMatch(/constant|anyOf/);
  });
});
