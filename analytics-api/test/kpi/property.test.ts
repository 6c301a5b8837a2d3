import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDITIVE_KEYS, KPI_KEYS } from '../../src/kpi/kpi-keys.js';
import { computeDaily } from '../../src/kpi/kpi-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertEntries, insertTickets, newTenant, storedDay, storedGroups, type EntryFixture, type TicketFixture } from './helpers.js';
import { addDays, referenceDay, type Dimension, type Values } from './reference.js';

/**
 * Random tenants (zone, capacity, tickets, time entries) around DST changes, computed by the SQL
 * and by an independent TypeScript reading of kpis.md (reference.ts); every stored value of every
 * day, at the tenant level and in every group of the three breakdowns, must agree at full precision.
 */

// Four-day windows that contain a DST change in at least one of the zones.
const WINDOWS = ['2026-03-07', '2026-03-27', '2026-04-03', '2026-10-23', '2026-10-31', '2026-01-23'];
const ZONES = ['UTC', 'America/New_York', 'Europe/Paris', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Los_Angeles'];
const DAYS = 4;

const instantAround = (base: string) =>
  fc.integer({ min: -20 * 86_400, max: (DAYS + 1) * 86_400 }).map((s) => new Date(Date.parse(`${base}T00:00:00Z`) + s * 1000));

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const offset = fc.oneof(
  fc.integer({ min: 0, max: 3 * 86_400 }),
  fc.integer({ min: 0, max: 40 * 86_400 }),
  fc.integer({ min: -7_200, max: -1 }), // before creation: kept in counts, out of durations
  fc.constant(0),
);

const ticketArb = (base: string, index: number): fc.Arbitrary<TicketFixture> =>
  fc
    .record({
      created: instantAround(base),
      closedAfter: maybe(offset),
      respondedAfter: maybe(offset),
      client: maybe(fc.constantFrom('c1', 'c2', 'c3')),
      tech: maybe(fc.constantFrom('t1', 't2', 't3')),
      priority: maybe(fc.constantFrom('P1', 'P2')),
      responseDueAfter: maybe(fc.integer({ min: 0, max: 86_400 })),
      resolutionDueAfter: maybe(fc.integer({ min: 0, max: 5 * 86_400 })),
      responseMet: maybe(fc.boolean()),
      resolutionMet: maybe(fc.boolean()),
      reopens: fc.constantFrom(0, 0, 1, 3),
      changed: fc.integer({ min: 0, max: 1_000_000 }),
    })
    .map((r) => {
      const at = (seconds: number | null) => (seconds === null ? null : new Date(r.created.getTime() + seconds * 1000).toISOString());
      return {
        id: `T${index}`,
        created: r.created.toISOString(),
        closed: at(r.closedAfter),
        responded: at(r.respondedAfter),
        client: r.client,
        clientName: r.client ? `Client ${r.client}` : null,
        tech: r.tech,
        techName: r.tech ? `Tech ${r.tech}` : null,
        priority: r.priority,
        responseDue: at(r.responseDueAfter),
        resolutionDue: at(r.resolutionDueAfter),
        responseMet: r.responseMet,
        resolutionMet: r.resolutionMet,
        reopens: r.reopens,
        changedAt: new Date(Date.parse('2026-06-01T00:00:00Z') + r.changed * 1000 + index).toISOString(),
      };
    });

const entryArb = (base: string, index: number, ticketCount: number): fc.Arbitrary<EntryFixture> =>
  fc
    .record({
      tech: fc.constantFrom('t1', 't2', 't4'),
      hours: fc.constantFrom(0, 0.25, 0.5, 1, 1.3333, 2.75, 8),
      billable: fc.boolean(),
      useWorkDate: fc.boolean(),
      dayOffset: fc.integer({ min: -1, max: DAYS }),
      started: instantAround(base),
      ticket: fc.oneof(
        fc.constant(null),
        fc.constant('missing'),
        fc.integer({ min: 0, max: Math.max(0, ticketCount - 1) }).map((i) => `T${i}`),
      ),
      client: maybe(fc.constantFrom('c1', 'c2', 'c4')),
      billed: maybe(fc.constantFrom(0, 0.5, 1.25, 3)),
      rate: maybe(fc.constantFrom(0, 85.5, 120)),
      changed: fc.integer({ min: 0, max: 1_000_000 }),
    })
    .map((r) => ({
      id: `E${index}`,
      tech: r.tech,
      techName: `Tech ${r.tech}`,
      hours: r.hours,
      billable: r.billable,
      workDate: r.useWorkDate ? addDays(base, r.dayOffset) : null,
      started: r.useWorkDate && r.dayOffset % 2 === 0 ? null : r.started.toISOString(),
      ticket: r.ticket,
      client: r.client,
      clientName: r.client ? `Client ${r.client}` : null,
      billed: r.billed,
      rate: r.rate,
      changedAt: new Date(Date.parse('2026-06-01T00:00:00Z') + r.changed * 1000 + index).toISOString(),
    }));

const scenario = fc
  .record({
    base: fc.constantFrom(...WINDOWS),
    timezone: fc.constantFrom(...ZONES),
    capacity: fc.constantFrom(8, 7.5, 6),
    ticketCount: fc.integer({ min: 0, max: 30 }),
    entryCount: fc.integer({ min: 0, max: 25 }),
  })
  .chain((s) =>
    fc.record({
      base: fc.constant(s.base),
      timezone: fc.constant(s.timezone),
      capacity: fc.constant(s.capacity),
      tickets: fc.tuple(...Array.from({ length: s.ticketCount }, (_, i) => ticketArb(s.base, i))),
      entries: fc.tuple(...Array.from({ length: s.entryCount }, (_, i) => entryArb(s.base, i, s.ticketCount))),
    }),
  );

function expectClose(actual: unknown, expected: number | null, where: string): void {
  if (expected === null) {
    expect(actual, where).toBeNull();
    return;
  }
  expect(typeof actual, where).toBe('number');
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  expect(Math.abs((actual as number) - expected), `${where}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

function compareRow(stored: Record<string, unknown>, expected: Values, where: string): void {
  for (const key of KPI_KEYS) expectClose(stored[key], expected[key], `${where} ${key}`);
}

describe('KPIs on random data agree with an independent reading of kpis.md', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('tenant level and every breakdown group, day by day, around DST changes', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const db = t.ctx.db;
        const tenantId = await newTenant(db, { timezone: s.timezone, capacity: s.capacity });
        const tickets = [...s.tickets];
        const entries = [...s.entries];
        await insertTickets(db, tenantId, tickets);
        await insertEntries(db, tenantId, entries);
        await computeDaily(db, tenantId, { from: s.base, to: addDays(s.base, DAYS - 1) });

        for (let d = 0; d < DAYS; d += 1) {
          const date = addDays(s.base, d);
          const where = `${s.timezone} ${date}`;
          const [tenantLevel] = referenceDay(tickets, entries, s.timezone, s.capacity, date, 'tenant');
          const storedTenant = (await storedDay(db, tenantId, date))!;
          compareRow(storedTenant, tenantLevel!.values, `${where} tenant`);
          for (const dimension of ['client', 'technician', 'priority'] as Dimension[]) {
            const expected = referenceDay(tickets, entries, s.timezone, s.capacity, date, dimension);
            const stored = await storedGroups(db, tenantId, date, dimension);
            expect(stored.map((row) => row['group_key']).sort(), `${where} ${dimension} groups`).toEqual(
              expected.map((group) => group.key).sort(),
            );
            for (const key of ADDITIVE_KEYS) {
              const total = stored.reduce((acc, row) => acc + Number(row[key]), 0);
              expectClose(total, Number(storedTenant[key]), `${where} ${dimension} sum of ${key}`);
            }
            for (const group of expected) {
              const row = stored.find((candidate) => candidate['group_key'] === group.key)!;
              compareRow(row, group.values, `${where} ${dimension}=${String(group.key)}`);
              expect(row['group_label'], `${where} ${dimension} label`).toBe(
                group.key === null
                  ? '(none)'
                  : dimension === 'client'
                    ? `Client ${group.key}`
                    : dimension === 'technician'
                      ? `Tech ${group.key}`
                      : group.key,
              );
            }
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});
