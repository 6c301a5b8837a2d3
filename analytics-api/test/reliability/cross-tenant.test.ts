import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/database.js';
import { COUNT_KEYS, KPI_KEYS } from '../../src/kpi/kpi-keys.js';
import { createApiKey, createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Tenant A and tenant B both have stored KPIs (written straight into kpi_daily and
 * kpi_daily_breakdown). B's numbers all lie in 987000..987999 and its group labels start with
 * "B-SECRET", so any of B's data is recognisable in a response. A property test then sends
 * requests authenticated as A with arbitrary query strings (B's id as tenant_id, repeated keys,
 * ranges, group_by, junk) and checks that no response ever carries B's data.
 */
const DIMENSIONS = ['client', 'technician', 'priority'] as const;
const A_DAYS = dates('2026-01-01', 20);
const B_DAYS = dates('2026-01-10', 22);
/** A JSON number of B (`"key":987xxx`) or one of its labels; request ids (quoted strings) cannot match. */
const B_MARKER = /:987\d{3}\b|B-SECRET/;

function dates(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

async function seedKpis(db: Queryable, tenantId: string, days: string[], owner: 'A' | 'B'): Promise<void> {
  const value = (key: string, day: number) =>
    owner === 'B' ? 987_000 + day * 10 + (COUNT_KEYS.has(key as never) ? 1 : 2) : COUNT_KEYS.has(key as never) ? 10 + day : 1.25 + day;
  for (const [index, day] of days.entries()) {
    const values = KPI_KEYS.map((key) => value(key, index));
    await db.query(
      `INSERT INTO kpi_daily (tenant_id, kpi_date, timezone, ${KPI_KEYS.join(', ')})
       VALUES ($1, $2, 'UTC', ${KPI_KEYS.map((_, i) => `$${i + 3}`).join(', ')})`,
      [tenantId, day, ...values],
    );
    for (const dimension of DIMENSIONS) {
      const label = owner === 'B' ? `B-SECRET-${dimension}` : `A-${dimension}`;
      await db.query(
        `INSERT INTO kpi_daily_breakdown (tenant_id, kpi_date, dimension, group_key, group_label, ${KPI_KEYS.join(', ')})
         VALUES ($1, $2, $3, $4, $5, ${KPI_KEYS.map((_, i) => `$${i + 6}`).join(', ')})`,
        [tenantId, day, dimension, `${owner.toLowerCase()}-key`, label, ...values],
      );
    }
  }
}

describe('cross-tenant isolation on /v1/kpis/daily (property-based)', () => {
  let t: TestApp;
  let tenantA: string;
  let tenantB: string;
  let headersOfA: Array<Record<string, string>>;
  let headersOfB: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp();
    tenantA = (await createTenant(t.ctx.db, { name: 'Tenant A' })).id;
    tenantB = (await createTenant(t.ctx.db, { name: 'Tenant B' })).id;
    await seedKpis(t.ctx.db, tenantA, A_DAYS, 'A');
    await seedKpis(t.ctx.db, tenantB, B_DAYS, 'B');
    const keyA = (await createApiKey(t.ctx.db, tenantA, 'a')).key;
    const keyB = (await createApiKey(t.ctx.db, tenantB, 'b')).key;
    const token = await t.app.inject({ method: 'POST', url: '/v1/auth/token', headers: { 'x-api-key': keyA } });
    headersOfA = [{ 'x-api-key': keyA }, { authorization: `Bearer ${token.json().access_token}` }];
    headersOfB = { 'x-api-key': keyB };
  });
  afterAll(() => t.close());

  it('serves each tenant its own seeded days (the markers are really in the data)', async () => {
    const a = await t.app.inject({
      method: 'GET',
      url: '/v1/kpis/daily?from=2026-01-01&to=2026-01-31&group_by=client',
      headers: headersOfA[0],
    });
    expect(a.statusCode, a.body).toBe(200);
    expect(a.json().items.map((d: { date: string }) => d.date)).toEqual(A_DAYS);
    expect(a.body).not.toMatch(B_MARKER);
    const b = await t.app.inject({
      method: 'GET',
      url: '/v1/kpis/daily?from=2026-01-01&to=2026-01-31&group_by=client',
      headers: headersOfB,
    });
    expect(b.statusCode, b.body).toBe(200);
    expect(b.json().items.map((d: { date: string }) => d.date)).toEqual(B_DAYS);
    expect(b.body).toMatch(B_MARKER);
  });

  it('never returns tenant B’s data to tenant A, whatever the query string', async () => {
    const dateValue = fc.oneof(
      fc.constantFrom(...A_DAYS, ...B_DAYS, '2026-02-01', '2025-12-31', '2026-1-5', '2026-02-30', '0000-00-00', '9999-12-31'),
      fc.date({ min: new Date('2025-01-01'), max: new Date('2027-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      fc.string({ maxLength: 12 }),
    );
    const tenantValue = fc.constantFrom(tenantB, tenantB.toUpperCase(), tenantA, `${tenantB}'--`, '*', '');
    const pair = fc.oneof(
      fc.tuple(fc.constant('date'), dateValue),
      fc.tuple(fc.constant('from'), dateValue),
      fc.tuple(fc.constant('to'), dateValue),
      fc.tuple(fc.constant('group_by'), fc.oneof(fc.constantFrom(...DIMENSIONS, 'tenant', 'tenant_id', ''), fc.string({ maxLength: 8 }))),
      fc.tuple(fc.constantFrom('tenant_id', 'tenant', 'tenantId', 'tenant_id[]', 'x-tenant-id'), tenantValue),
      fc.tuple(fc.string({ maxLength: 8 }), fc.oneof(tenantValue, fc.string({ maxLength: 12 }))),
    );
    const day = fc.constantFrom(...A_DAYS, ...B_DAYS);
    // Half the requests are well formed (a day or a range, maybe grouped) so that many are answered.
    const wellFormed = fc
      .tuple(
        fc.oneof(
          day.map((d): Array<[string, string]> => [['date', d]]),
          fc.tuple(day, day).map(([a, b]): Array<[string, string]> => [
            ['from', a < b ? a : b],
            ['to', a < b ? b : a],
          ]),
        ),
        fc.option(fc.constantFrom(...DIMENSIONS), { nil: undefined }),
      )
      .map(([period, groupBy]) => (groupBy ? [...period, ['group_by', groupBy] as [string, string]] : period));
    const pairsArb = fc.oneof(
      wellFormed,
      fc.tuple(wellFormed, fc.array(pair, { maxLength: 2 })).map(([a, b]) => [...a, ...b]),
      fc.array(pair, { maxLength: 6 }),
    );
    let served = 0;
    await fc.assert(
      fc.asyncProperty(pairsArb, fc.nat(headersOfA.length - 1), fc.boolean(), async (pairs, credential, asHeader) => {
        const query = new URLSearchParams(pairs).toString();
        const headers = { ...headersOfA[credential]!, ...(asHeader ? { 'x-tenant-id': tenantB } : {}) };
        const res = await t.app.inject({ method: 'GET', url: `/v1/kpis/daily${query ? `?${query}` : ''}`, headers });
        expect(res.statusCode, res.body).toBeLessThan(500);
        expect(res.body).not.toMatch(B_MARKER);
        if (!query.includes(tenantB) && !query.includes(tenantB.toUpperCase())) expect(res.body.toLowerCase()).not.toContain(tenantB);
        if (res.statusCode === 200) {
          served += 1;
          const body = res.json();
          expect(body.tenant_id).toBe(tenantA);
          for (const item of body.items ?? [body]) {
            expect(item.tenant_id).toBe(tenantA);
            expect(A_DAYS).toContain(item.date);
          }
        }
      }),
      { numRuns: 600 },
    );
    // Not vacuous: a good share of the generated requests were answered with A's data.
    expect(served).toBeGreaterThan(100);
  });
});
