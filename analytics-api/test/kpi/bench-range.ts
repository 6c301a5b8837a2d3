/**
 * Not a test: a benchmark of one 366-day compute against 366 single-day computes of the same
 * tenant. Run from analytics-api/:
 *
 *   npx tsx test/kpi/bench-range.ts                       # embedded PGlite, in memory
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/some_empty_db npx tsx test/kpi/bench-range.ts
 *
 * TICKETS_PER_DAY / ENTRIES_PER_DAY set the volume (default 40 / 80, a mid-size MSP).
 */
import type { Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';
import { computeDaily, type KpiDayList } from '../../src/kpi/kpi-service.js';
import { addDays } from './reference.js';
import { insertEntries, insertTickets, newTenant, type EntryFixture, type TicketFixture } from './helpers.js';

const ticketsPerDay = Number(process.env['TICKETS_PER_DAY'] ?? 40);
const entriesPerDay = Number(process.env['ENTRIES_PER_DAY'] ?? 80);
const FROM = '2025-01-01';
const DAYS = 366;

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

async function main(): Promise<void> {
  const url = process.env['BENCH_DATABASE_URL'];
  const db: Database = url ? openPostgres({ connectionString: url, applicationName: 'kpi-bench' }) : await openPglite(undefined);
  await migrate(db);
  const tenantId = await newTenant(db, { timezone: 'America/New_York', name: `bench-${Date.now()}` });
  const rnd = random(42);
  const start = Date.parse(`${addDays(FROM, -60)}T00:00:00Z`);
  const totalDays = DAYS + 90;
  let n = 0;
  for (let d = 0; d < totalDays; d += 1) {
    const tickets: TicketFixture[] = [];
    const entries: EntryFixture[] = [];
    for (let i = 0; i < ticketsPerDay; i += 1) {
      const created = start + d * 86_400_000 + Math.floor(rnd() * 86_400_000);
      const open = rnd() < 0.02;
      n += 1;
      tickets.push({
        id: `T${n}`,
        created: new Date(created).toISOString(),
        responded: new Date(created + Math.floor(rnd() * 4 * 3_600_000)).toISOString(),
        closed: open ? null : new Date(created + Math.floor(-Math.log(1 - rnd()) * 2 * 86_400_000)).toISOString(),
        client: `c${Math.floor(rnd() * 40)}`,
        clientName: 'Client',
        tech: `t${Math.floor(rnd() * 15)}`,
        priority: `P${1 + Math.floor(rnd() * 4)}`,
        responseDue: new Date(created + 3_600_000).toISOString(),
        resolutionDue: new Date(created + 3 * 86_400_000).toISOString(),
        reopens: rnd() < 0.05 ? 1 : 0,
      });
    }
    for (let i = 0; i < entriesPerDay; i += 1) {
      const started = start + d * 86_400_000 + Math.floor(rnd() * 86_400_000);
      entries.push({
        id: `E${d}-${i}`,
        tech: `t${Math.floor(rnd() * 15)}`,
        hours: Math.round(rnd() * 300) / 100,
        billable: rnd() < 0.7,
        rate: 120,
        ticket: `T${Math.max(1, n - Math.floor(rnd() * ticketsPerDay * 3))}`,
        ...(rnd() < 0.5 ? { workDate: new Date(started).toISOString().slice(0, 10) } : { started: new Date(started).toISOString() }),
      });
    }
    await insertTickets(db, tenantId, tickets);
    await insertEntries(db, tenantId, entries);
  }
  await db.query('ANALYZE raw_tickets');
  await db.query('ANALYZE raw_time_entries');
  console.log(`${db.kind}: ${n} tickets, ${entriesPerDay * totalDays} time entries`);

  // The same order as the bench's "KPI range" row (bench/rows/large.ts): the single days first, which
  // also reads every freshly inserted row once (hint bits) before the range call is timed.
  await computeDaily(db, tenantId, { date: FROM }); // warm-up
  let started = performance.now();
  for (let d = 0; d < DAYS; d += 1) await computeDaily(db, tenantId, { date: addDays(FROM, d) });
  const singlesMs = performance.now() - started;
  console.log(`${DAYS} single-day calls: ${singlesMs.toFixed(0)} ms (${(singlesMs / DAYS).toFixed(1)} ms per day)`);

  started = performance.now();
  const list = (await computeDaily(db, tenantId, { from: FROM, to: addDays(FROM, DAYS - 1) })) as KpiDayList;
  const rangeMs = performance.now() - started;
  console.log(`one call, ${list.items.length} days: ${rangeMs.toFixed(0)} ms`);
  console.log(`ratio: ${(singlesMs / rangeMs).toFixed(1)}×`);
  await db.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
