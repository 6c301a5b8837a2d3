import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDITIVE_KEYS } from '../../src/kpi/kpi-keys.js';
import { computeDaily } from '../../src/kpi/kpi-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertEntries, insertTickets, newTenant, storedDay, storedGroups, type EntryFixture, type TicketFixture } from '../kpi/helpers.js';
import { configure } from './helpers.js';

/**
 * For random configurations (priority map, capacities, workdays, holidays, SLA targets in wall-clock
 * or business time, SLA source, exclusions), the additive KPIs of every breakdown still sum to the
 * tenant's value on every day, and the technicians' capacities sum to the tenant's capacity.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const FROM = '2026-03-27';
const TO = '2026-03-30'; // around the Paris DST change
const LABELS = ['1 - Critical', '2 - High', 'Low', 'P1'];
const TECHS = ['t1', 't2', 't3'];
const CLIENTS = ['c1', 'c2', 'c-int'];

const instant = fc.integer({ min: -5 * 86_400, max: 4 * 86_400 }).map((s) => new Date(Date.parse(`${FROM}T00:00:00Z`) + s * 1000));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const ticket = (i: number): fc.Arbitrary<TicketFixture> =>
  fc
    .record({
      created: instant,
      closedAfter: maybe(fc.integer({ min: -3_600, max: 3 * 86_400 })),
      respondedAfter: maybe(fc.integer({ min: 0, max: 86_400 })),
      client: maybe(fc.constantFrom(...CLIENTS)),
      tech: maybe(fc.constantFrom(...TECHS)),
      priority: maybe(fc.constantFrom(...LABELS)),
      responseMet: maybe(fc.boolean()),
    })
    .map((r) => ({
      id: `T${i}`,
      created: r.created.toISOString(),
      closed: r.closedAfter === null ? null : new Date(r.created.getTime() + r.closedAfter * 1000).toISOString(),
      responded: r.respondedAfter === null ? null : new Date(r.created.getTime() + r.respondedAfter * 1000).toISOString(),
      client: r.client,
      tech: r.tech,
      priority: r.priority,
      responseMet: r.responseMet,
    }));

const entry = (i: number, tickets: number): fc.Arbitrary<EntryFixture> =>
  fc
    .record({
      tech: fc.constantFrom(...TECHS),
      hours: fc.integer({ min: 1, max: 32 }).map((q) => q / 4),
      billable: fc.boolean(),
      day: fc.integer({ min: 0, max: 3 }),
      client: maybe(fc.constantFrom(...CLIENTS)),
      ticket: maybe(fc.integer({ min: 0, max: Math.max(0, tickets - 1) })),
    })
    .map((r) => ({
      id: `E${i}`,
      tech: r.tech,
      hours: r.hours,
      billable: r.billable,
      workDate: new Date(Date.parse(`${FROM}T00:00:00Z`) + r.day * 86_400_000).toISOString().slice(0, 10),
      client: r.client,
      ticket: tickets > 0 && r.ticket !== null ? `T${r.ticket}` : null,
    }));

const subset = <T>(values: readonly T[]) => fc.subarray([...values]);
const hours = fc.constantFrom(['08:00', '18:00'], ['00:00', '24:00'], ['01:00', '05:00'], ['22:00', '24:00']);

const config = fc.record(
  {
    timezone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'),
    daily_capacity_hours: fc.integer({ min: 1, max: 12 }),
    technician_capacity_hours: fc.dictionary(fc.constantFrom(...TECHS), fc.integer({ min: 0, max: 10 })),
    workdays: subset([1, 2, 3, 4, 5, 6, 7]),
    holidays: subset(['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30']),
    priority_map: fc.dictionary(fc.constantFrom(...LABELS), fc.constantFrom('P1', 'P2')),
    sla_targets: fc.dictionary(
      fc.constantFrom('P1', 'P2', 'Low', '2 - High'),
      fc.record(
        { response_minutes: fc.integer({ min: 1, max: 600 }), resolution_hours: fc.integer({ min: 1, max: 48 }) },
        { requiredKeys: [] },
      ),
    ),
    business_hours: fc.option(fc.dictionary(fc.constantFrom('1', '2', '3', '4', '5', '6', '7'), hours), { nil: null }),
    sla_source: fc.constantFrom('psa_first', 'config_only'),
    excluded: fc.record({ boards: subset(['Internal', 'Projects']), client_ids: subset(['c-int']), work_types: subset(['Admin']) }),
  },
  { requiredKeys: [] },
);

const scenario = fc
  .integer({ min: 0, max: 14 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: n }, (_, i) => ticket(i))),
      fc.integer({ min: 0, max: 12 }).map((m) => [n, m] as const),
    ),
  )
  .chain(([tickets, [n, m]]) => fc.tuple(fc.constant(tickets), fc.tuple(...Array.from({ length: m }, (_, i) => entry(i, n))), config));

describe('random configurations', () => {
  it('breakdown sums equal the tenant totals on every day', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ([tickets, entries, document]) => {
        const db = t.ctx.db;
        const id = await newTenant(db);
        await insertTickets(db, id, tickets);
        await insertEntries(db, id, entries);
        // Boards and work types spread over the records by their ids.
        await db.query(
          `UPDATE raw_tickets SET board = (ARRAY['Service', 'Internal', 'Projects'])[1 + abs(hashtext(external_id)) % 3] WHERE tenant_id = $1`,
          [id],
        );
        await db.query(
          `UPDATE raw_time_entries SET work_type = (ARRAY['Remote', 'Admin'])[1 + abs(hashtext(external_id)) % 2] WHERE tenant_id = $1`,
          [id],
        );
        await configure(db, id, document);
        await computeDaily(db, id, { from: FROM, to: TO });
        for (let d = 0; d < 4; d += 1) {
          const date = new Date(Date.parse(`${FROM}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
          const tenant = (await storedDay(db, id, date))!;
          for (const dimension of ['client', 'technician', 'priority']) {
            const groups = await storedGroups(db, id, date, dimension);
            for (const key of ADDITIVE_KEYS) {
              const sum = groups.reduce((total, g) => total + Number(g[key]), 0);
              expect(sum, `${date} ${dimension} ${key}`).toBeCloseTo(Number(tenant[key]), 9);
            }
            if (dimension === 'technician') {
              const capacity = groups.reduce((total, g) => total + Number(g.capacity_hours), 0);
              expect(capacity, `${date} capacity`).toBeCloseTo(Number(tenant.capacity_hours), 9);
            }
          }
        }
      }),
      { numRuns: 25, seed: 1604 },
    );
  });
});
