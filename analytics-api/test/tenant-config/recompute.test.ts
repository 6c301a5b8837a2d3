import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDaily, type KpiDayList } from '../../src/kpi/kpi-service.js';
import { dryRunConfig, getConfig } from '../../src/tenant-config/config-service.js';
import { recomputeTenant, runPendingRecomputes } from '../../src/tenant-config/recompute.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertEntries, insertTickets, newTenant } from '../kpi/helpers.js';
import { configure } from './helpers.js';

/**
 * The recompute after a configuration change: every stored day, resumable, one worker per tenant,
 * and never a day whose row and breakdowns mix two configurations.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());
const db = () => t.ctx.db;

/** A tenant with one ticket and one time entry on each of `days` days from 2026-01-01 (UTC), computed. */
async function tenantWithHistory(days: number): Promise<string> {
  const id = await newTenant(db());
  const dates = Array.from({ length: days }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10));
  await insertTickets(
    db(),
    id,
    dates.map((d, i) => ({
      id: `T${i}`,
      created: `${d}T10:00:00Z`,
      closed: `${d}T15:00:00Z`,
      priority: i % 2 ? 'High' : 'Low',
      tech: 't1',
    })),
  );
  await insertEntries(
    db(),
    id,
    dates.map((d, i) => ({ id: `E${i}`, tech: 't1', hours: 2, billable: true, workDate: d, ticket: `T${i}` })),
  );
  await computeDaily(db(), id, { from: dates[0]!, to: dates.at(-1)! });
  return id;
}

/** Per stored day: its version, and whether its priority groups and capacity agree with that version. */
async function consistency(id: string): Promise<{ day: string; version: number; consistent: boolean }[]> {
  const { rows } = await db().query<{ day: string; version: number; keys: string[]; capacity: number }>(
    `SELECT k.kpi_date::text AS day, k.config_version AS version, k.capacity_hours AS capacity,
            (SELECT array_agg(b.group_key ORDER BY b.group_key) FROM kpi_daily_breakdown b
              WHERE b.tenant_id = k.tenant_id AND b.kpi_date = k.kpi_date AND b.dimension = 'priority') AS keys
       FROM kpi_daily k WHERE k.tenant_id = $1 ORDER BY k.kpi_date`,
    [id],
  );
  // Version 0: labels High/Low and 8 h; version 1: both mapped to P, capacity 5 h.
  return rows.map((r) => ({
    day: r.day,
    version: r.version,
    consistent: r.version === 0 ? r.capacity === 8 && ['High', 'Low'].includes(r.keys[0]!) : r.capacity === 5 && r.keys.join() === 'P',
  }));
}

describe('recompute after a configuration change', () => {
  it('a crash between chunks leaves each day all old (stale) or all new, and a restart finishes the job', async () => {
    const id = await tenantWithHistory(10);
    await configure(db(), id, { priority_map: { High: 'P', Low: 'P' }, daily_capacity_hours: 5 });
    // The worker stops after 2 chunks of 3 days, keeping its lease, as a process killed mid-job would.
    const crashed = await recomputeTenant(db(), id, { owner: 'worker-a', chunkDays: 3, stopAfterChunks: 2 });
    expect(crashed).toMatchObject({ chunks: 2, days: 6, done: false });
    const midway = await consistency(id);
    expect(midway.every((d) => d.consistent)).toBe(true);
    expect(midway.map((d) => d.version)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect((await getConfig(db(), id)).stale_days).toEqual(['2026-01-07', '2026-01-08', '2026-01-09', '2026-01-10']);

    // Another worker cannot take the job while the lease is live...
    expect(await recomputeTenant(db(), id, { owner: 'worker-b' })).toMatchObject({ chunks: 0, done: false });
    // ...and takes it over once the lease has run out (the crashed process never renews it).
    await db().query(`UPDATE config_recompute_jobs SET lease_until = now() - interval '1 second' WHERE tenant_id = $1`, [id]);
    const resumed = await runPendingRecomputes(db(), { owner: 'worker-b', chunkDays: 3 });
    expect(resumed).toEqual([{ tenant_id: id, chunks: 2, days: 4, done: true }]);
    const done = await consistency(id);
    expect(done.map((d) => d.version)).toEqual(Array(10).fill(1));
    expect(done.every((d) => d.consistent)).toBe(true);
    const { rows } = await db().query('SELECT count(*)::int AS n FROM config_recompute_jobs WHERE tenant_id = $1', [id]);
    expect(rows[0]).toEqual({ n: 0 });
  });

  it("a fault inside a chunk's transaction (after its day rows were written) rolls the whole chunk back", async () => {
    const id = await tenantWithHistory(6);
    await configure(db(), id, { priority_map: { High: 'P', Low: 'P' }, daily_capacity_hours: 5 });
    // The database refuses the breakdown rows of 01-05: the statement has already inserted the
    // kpi_daily rows of 01-04..01-06 when it fails.
    await db().query(`CREATE OR REPLACE FUNCTION test_refuse_breakdown() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.kpi_date = '2026-01-05' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$`);
    await db().query(
      `CREATE TRIGGER test_refuse_breakdown BEFORE INSERT ON kpi_daily_breakdown FOR EACH ROW EXECUTE FUNCTION test_refuse_breakdown()`,
    );
    try {
      await expect(recomputeTenant(db(), id, { owner: 'w', chunkDays: 3 })).rejects.toThrow(/injected fault/);
    } finally {
      await db().query('DROP TRIGGER test_refuse_breakdown ON kpi_daily_breakdown');
    }
    const state = await consistency(id);
    expect(state.map((d) => d.version)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(state.every((d) => d.consistent)).toBe(true);
    const { rows } = await db().query<{ last_error: string; lease_owner: string | null }>(
      'SELECT last_error, lease_owner FROM config_recompute_jobs WHERE tenant_id = $1',
      [id],
    );
    expect(rows[0]).toMatchObject({ lease_owner: null });
    expect(rows[0]!.last_error).toContain('injected fault');
    expect((await recomputeTenant(db(), id, { owner: 'w', chunkDays: 3 })).done).toBe(true);
    expect((await consistency(id)).map((d) => d.version)).toEqual(Array(6).fill(1));
  });

  it('a change while a recompute runs is picked up by the same job, which ends only with no stale day', async () => {
    const id = await tenantWithHistory(4);
    await configure(db(), id, { daily_capacity_hours: 6 });
    await recomputeTenant(db(), id, { owner: 'w', chunkDays: 2, stopAfterChunks: 1 });
    await configure(db(), id, { priority_map: { High: 'P', Low: 'P' }, daily_capacity_hours: 5 }); // version 2
    await db().query(`UPDATE config_recompute_jobs SET lease_until = NULL WHERE tenant_id = $1`, [id]);
    expect((await recomputeTenant(db(), id, { owner: 'w' })).done).toBe(true);
    const { rows } = await db().query<{ v: number; cap: number }>(
      'SELECT config_version AS v, capacity_hours AS cap FROM kpi_daily WHERE tenant_id = $1',
      [id],
    );
    expect(rows).toEqual(Array(4).fill({ v: 2, cap: 5 }));
  });

  it('a change the KPIs do not read keeps the stored days current; days of an older version stay stale', async () => {
    const id = await tenantWithHistory(4);
    const rows = async () =>
      (
        await db().query<{ v: number; cap: number; at: string }>(
          'SELECT config_version AS v, capacity_hours AS cap, computed_at::text AS at FROM kpi_daily WHERE tenant_id = $1 ORDER BY kpi_date',
          [id],
        )
      ).rows;
    const computed = await rows();
    // Alert targets, report recipients and language: version 1, every day current, nothing recomputed.
    await configure(db(), id, { kpi_targets: { sla_response_pct: { min: 90 } }, report_recipients: ['ops@example.com'], language: 'fr' });
    expect((await getConfig(db(), id)).stale_days_count).toBe(0);
    expect(await rows()).toEqual(computed.map((r) => ({ ...r, v: 1 })));

    // A KPI change (version 2) is recomputed; the same settings again, written in another key
    // order and with a new alert target (version 3), are not.
    await configure(db(), id, { priority_map: { High: 'P', Low: 'P' }, daily_capacity_hours: 5 });
    expect((await getConfig(db(), id)).stale_days_count).toBe(4);
    await runPendingRecomputes(db(), { owner: 'w' });
    const recomputed = await rows();
    await configure(db(), id, {
      daily_capacity_hours: 5,
      priority_map: { Low: 'P', High: 'P' },
      kpi_targets: { backlog_open: { max: 10 } },
    });
    expect((await getConfig(db(), id)).stale_days_count).toBe(0);
    expect(await rows()).toEqual(recomputed.map((r) => ({ ...r, v: 3 })));

    // Version 4 changes the capacity and is not recomputed yet; version 5 changes only the language.
    // The days still carry version 3, whose values differ from version 5's: they stay stale.
    await configure(db(), id, { daily_capacity_hours: 6, priority_map: { Low: 'P', High: 'P' } });
    await configure(db(), id, { daily_capacity_hours: 6, priority_map: { Low: 'P', High: 'P' }, language: 'fr' });
    expect((await getConfig(db(), id)).stale_days_count).toBe(4);
    await runPendingRecomputes(db(), { owner: 'w' });
    expect((await rows()).map(({ v, cap }) => ({ v, cap }))).toEqual(Array(4).fill({ v: 5, cap: 6 }));
  });

  it('a time zone change recomputes every stored day in the new zone (only the stored days)', async () => {
    const id = await newTenant(db());
    // 23:30 UTC on 01-05 is 18:30 in New York (UTC−5): same local date; 02:00 UTC on 01-06 is 21:00 on 01-05.
    await insertTickets(db(), id, [
      { id: 'A', created: '2026-01-05T23:30:00Z' },
      { id: 'B', created: '2026-01-06T02:00:00Z' },
    ]);
    await computeDaily(db(), id, { from: '2026-01-05', to: '2026-01-06' });
    await computeDaily(db(), id, { date: '2026-01-09' });
    const dry = await dryRunConfig(db(), id, { timezone: 'America/New_York' });
    expect(dry.changed_days).toEqual(['2026-01-05', '2026-01-06', '2026-01-09']);
    await configure(db(), id, { timezone: 'America/New_York' });
    await runPendingRecomputes(db(), { owner: 'w' });
    const { rows } = await db().query<{ day: string; opened: number; tz: string }>(
      'SELECT kpi_date::text AS day, tickets_opened AS opened, timezone AS tz FROM kpi_daily WHERE tenant_id = $1 ORDER BY kpi_date',
      [id],
    );
    // UTC: 01-05 had A, 01-06 had B. New York: both on 01-05. 01-07 and 01-08 were never stored and still are not.
    expect(rows).toEqual([
      { day: '2026-01-05', opened: 2, tz: 'America/New_York' },
      { day: '2026-01-06', opened: 0, tz: 'America/New_York' },
      { day: '2026-01-09', opened: 0, tz: 'America/New_York' },
    ]);
  });

  it('a dry run lists only the days whose values would change and stores nothing', async () => {
    const id = await newTenant(db());
    await insertTickets(db(), id, [{ id: 'A', created: '2026-01-14T09:00:00Z', client: 'c-int' }]);
    await insertTickets(db(), id, [{ id: 'B', created: '2026-01-16T09:00:00Z', client: 'c1' }]);
    const list = (await computeDaily(db(), id, { from: '2026-01-13', to: '2026-01-16' })) as KpiDayList;
    expect(list.items).toHaveLength(4);
    // Excluding c-int removes A from 01-14 (opened) and from the backlogs of 01-14, 01-15 and 01-16.
    const dry = await dryRunConfig(db(), id, { excluded: { client_ids: ['c-int'] } });
    expect(dry).toMatchObject({ stored_days_count: 4, changed_days: ['2026-01-14', '2026-01-15', '2026-01-16'] });
    expect((await getConfig(db(), id)).config_version).toBe(0);
    // kpi_targets never change a value: no day would change.
    expect((await dryRunConfig(db(), id, { kpi_targets: { backlog_open: { max: 1 } } })).changed_days).toEqual([]);
  });
});
