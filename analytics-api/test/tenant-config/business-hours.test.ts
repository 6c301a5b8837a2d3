import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertTickets, newTenant } from '../kpi/helpers.js';
import { computeDay, configure } from './helpers.js';

/**
 * The business-hours clock of kpis.md ("a due instant from a target ... counted in business time"),
 * migration 005's kpi_target_due(). Each expected instant is worked out by hand in the comments.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const WEEKDAYS_9_TO_18 = Object.fromEntries([1, 2, 3, 4, 5].map((d) => [String(d), ['09:00', '18:00']]));

async function due(created: string, minutes: number, timezone: string, config: Record<string, unknown>): Promise<string | null> {
  const { rows } = await t.ctx.db.query<{ due: Date | null }>(
    `SELECT kpi_target_due($1::timestamptz, $2::numeric, $3::text, $4::jsonb) AS due`,
    [created, minutes, timezone, JSON.stringify(config)],
  );
  return rows[0]!.due ? rows[0]!.due.toISOString() : null;
}

describe('business-hours due instants', () => {
  it('without business hours the target is wall-clock time', async () => {
    // Fri 2026-01-16 17:00 UTC + 4 h = 21:00.
    expect(await due('2026-01-16T17:00:00Z', 240, 'UTC', {})).toBe('2026-01-16T21:00:00.000Z');
  });

  it('across a weekend: Fri 16:00 Paris + 4 business hours (Mon–Fri 09–18) is Mon 11:00 Paris', async () => {
    // Paris = UTC+1 in January. Fri 16:00 → 18:00 uses 2 h; Sat, Sun closed; Mon 09:00 + 2 h = 11:00 = 10:00 UTC.
    expect(await due('2026-01-16T15:00:00Z', 240, 'Europe/Paris', { business_hours: WEEKDAYS_9_TO_18 })).toBe('2026-01-19T10:00:00.000Z');
  });

  it('a holiday is skipped like a weekend day', async () => {
    // Thu 2026-01-15 17:00 UTC, 3 h: Thu 17–18 = 1 h; Fri 01-16 holiday; Mon 09:00 + 2 h = 11:00.
    const config = { business_hours: WEEKDAYS_9_TO_18, holidays: ['2026-01-16'] };
    expect(await due('2026-01-15T17:00:00Z', 180, 'UTC', config)).toBe('2026-01-19T11:00:00.000Z');
  });

  it('a non-workday is skipped even when it has business hours', async () => {
    // Wed 2026-01-14 17:00 UTC, 2 h, Thursday not a workday: Wed 17–18 = 1 h; Fri 09:00 + 1 h = 10:00.
    const config = { business_hours: WEEKDAYS_9_TO_18, workdays: [1, 2, 3, 5] };
    expect(await due('2026-01-14T17:00:00Z', 120, 'UTC', config)).toBe('2026-01-16T10:00:00.000Z');
  });

  it('a ticket created outside business hours starts its clock at the next business start', async () => {
    // Tue 2026-01-13 20:00 UTC (after 18:00), 30 min → Wed 09:00 + 30 min = 09:30.
    expect(await due('2026-01-13T20:00:00Z', 30, 'UTC', { business_hours: WEEKDAYS_9_TO_18 })).toBe('2026-01-14T09:30:00.000Z');
    // Sat 2026-01-17 10:00 UTC, 30 min → Mon 09:30.
    expect(await due('2026-01-17T10:00:00Z', 30, 'UTC', { business_hours: WEEKDAYS_9_TO_18 })).toBe('2026-01-19T09:30:00.000Z');
    // Mon 2026-01-19 07:00 UTC, before opening → 09:00 + 30 min.
    expect(await due('2026-01-19T07:00:00Z', 30, 'UTC', { business_hours: WEEKDAYS_9_TO_18 })).toBe('2026-01-19T09:30:00.000Z');
  });

  it('across the DST change of Europe/Paris (2026-03-29, 02:00 → 03:00): the short night window is 3 real hours', async () => {
    // Business hours 01:00–05:00 local every day. Sun 03-29: 01:00 CET = 00:00 UTC, 05:00 CEST = 03:00 UTC → 3 h.
    // Created Sun 00:30 CET (23:30 UTC Sat), 240 min: 3 h on Sunday, 1 h left;
    // Mon 03-30 01:00 CEST = 23:00 UTC Sun, + 1 h = 00:00 UTC Mon.
    const config = { business_hours: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [String(d), ['01:00', '05:00']])) };
    expect(await due('2026-03-28T23:30:00Z', 240, 'Europe/Paris', config)).toBe('2026-03-30T00:00:00.000Z');
    // A 10-hour business day (08–18) keeps 10 real hours on the DST Monday after: Fri 03-27 17:00 CET (16:00 UTC),
    // 2 h → 1 h on Friday; Mon 03-30 08:00 CEST (06:00 UTC) + 1 h = 07:00 UTC.
    expect(
      await due('2026-03-27T16:00:00Z', 120, 'Europe/Paris', { business_hours: { 1: ['08:00', '18:00'], 5: ['08:00', '18:00'] } }),
    ).toBe('2026-03-30T07:00:00.000Z');
  });

  it('an end of 24:00 runs to local midnight', async () => {
    // Mon 2026-01-12 22:00 UTC, 3 h, hours 20:00–24:00 on Mon and Tue: Mon 22–24 = 2 h; Tue 20:00 + 1 h = 21:00.
    expect(await due('2026-01-12T22:00:00Z', 180, 'UTC', { business_hours: { 1: ['20:00', '24:00'], 2: ['20:00', '24:00'] } })).toBe(
      '2026-01-13T21:00:00.000Z',
    );
  });

  it('the resolution verdict uses the business-hours due instant, holidays included', async () => {
    const id = await newTenant(t.ctx.db, { timezone: 'Europe/Paris' });
    // Created Thu 01-15 17:00 Paris (16:00 UTC), P1 resolution target 2 h; Fri 01-16 is a holiday.
    // Business time: Thu 17–18 = 1 h; Mon 01-19 09:00 + 1 h = 10:00 Paris (09:00 UTC).
    // Closed Mon 09:45 Paris (08:45 UTC) → met; a second ticket closed Mon 10:30 Paris → breached.
    await insertTickets(t.ctx.db, id, [
      { id: 'A', created: '2026-01-15T16:00:00Z', closed: '2026-01-19T08:45:00Z', priority: 'P1' },
      { id: 'B', created: '2026-01-15T16:00:00Z', closed: '2026-01-19T09:30:00Z', priority: 'P1' },
    ]);
    await configure(t.ctx.db, id, {
      timezone: 'Europe/Paris',
      sla_targets: { P1: { resolution_hours: 2 } },
      business_hours: WEEKDAYS_9_TO_18,
      holidays: ['2026-01-16'],
    });
    expect((await computeDay(t.ctx.db, id, '2026-01-19')).kpis).toMatchObject({
      sla_resolution_met: 1,
      sla_resolution_breached: 1,
      sla_resolution_pct: 50,
    });
  });
});
