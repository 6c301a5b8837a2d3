/**
 * Technicians' working days, PSA-neutral: who works when, on which ticket, and how it is billed.
 * A workday is filled with blocks from the technician's start time until most of their capacity
 * is logged; weekends and holidays only see the on-call technician.
 */
import type { InternalWork } from './catalog.js';
import { INTERNAL_WORK } from './catalog.js';
import type { Rng } from './prng.js';
import type { SimTicket } from './ticket-flow.js';
import type { SimTechnician } from './world.js';
import type { ZoneClock } from './zone-clock.js';

const MINUTE = 60_000;

/** How a PSA would classify the billing of the time (ConnectWise `billableOption` values). */
export type Billing = 'Billable' | 'DoNotBill' | 'NoCharge' | 'NoDefault';

export type WorkType = 'Remote Support' | 'Phone Support' | 'Onsite' | 'After Hours' | InternalWork;

export interface SimTimeEntry {
  /** Order of the entry over the run; set once the day's entries are sorted by start. */
  seq: number;
  technician: SimTechnician;
  /** null: internal time, not on a ticket. */
  ticket: SimTicket | null;
  /** Number of this entry among the actions of its ticket (HaloPSA numbers actions per ticket). */
  actionNumber: number;
  start: number;
  end: number;
  hours: number;
  /** The technician's local date of the work (what Autotask stores as `dateWorked`). */
  localDate: string;
  workType: WorkType;
  billing: Billing;
  billable: boolean;
  hoursBilled: number;
  hourlyRate: number;
  enteredAt: number;
  updatedAt: number;
}

export interface WorkDayContext {
  rng: Rng;
  clock: ZoneClock;
  now: number;
  capacityHours: number;
  /** Next action number per ticket seq, and for the internal ticket (key -1). */
  actionCounters: Map<number, number>;
}

/** A block of work before it is attached to a ticket and priced. */
interface Block {
  startMinute: number;
  minutes: number;
  afterHours: boolean;
}

const PRIORITY_PULL = { 1: 5, 2: 3, 3: 2, 4: 1 } as const;
const BLOCK_MINUTES = [
  [15, 6],
  [30, 12],
  [45, 10],
  [60, 18],
  [90, 16],
  [120, 14],
  [150, 7],
  [180, 6],
] as const;
const GAP_MINUTES = [
  [0, 5],
  [5, 3],
  [10, 2],
  [15, 1],
] as const;

/** Blocks of an ordinary workday, lunch skipped, until ~diligence × capacity is logged. */
export function workdayBlocks(ctx: WorkDayContext, tech: SimTechnician): Block[] {
  const { rng } = ctx;
  const target = ctx.capacityHours * 60 * tech.diligence * rng.between(0.93, 1.05);
  const lunchAt = 720 + rng.int(-30, 60);
  const blocks: Block[] = [];
  let cursor = tech.startMinute + rng.int(-10, 15);
  let logged = 0;
  let lunchTaken = false;
  while (logged < target - 10 && cursor < 20 * 60) {
    if (!lunchTaken && cursor >= lunchAt) {
      cursor += rng.int(30, 60);
      lunchTaken = true;
    }
    let minutes = rng.chance(0.06) ? rng.pick([10, 20]) : rng.weighted(BLOCK_MINUTES);
    minutes = Math.max(10, Math.min(minutes, Math.round(target - logged)));
    blocks.push({ startMinute: cursor, minutes, afterHours: false });
    logged += minutes;
    cursor += minutes + rng.weighted(GAP_MINUTES);
  }
  return blocks;
}

/** The on-call technician's weekend or holiday: a few daytime jobs, sometimes one after midnight. */
export function onCallBlocks(ctx: WorkDayContext): Block[] {
  const { rng } = ctx;
  const blocks: Block[] = [];
  if (rng.chance(0.3)) blocks.push({ startMinute: rng.int(10, 50), minutes: rng.pick([30, 45, 60, 90]), afterHours: true });
  const daytime = rng.int(1, 3);
  for (let i = 0; i < daytime; i += 1) {
    blocks.push({ startMinute: rng.int(9 * 60, 19 * 60), minutes: rng.pick([30, 45, 60, 90, 120]), afterHours: true });
  }
  return blocks.sort((a, b) => a.startMinute - b.startMinute);
}

/** Tickets this technician can plausibly work on at `at`: already answered, not yet resolved. */
function workable(pool: readonly SimTicket[], at: number): SimTicket[] {
  return pool.filter(
    (t) =>
      t.createdAt <= at &&
      t.respondedAt !== null &&
      t.respondedAt <= at + 30 * MINUTE &&
      (t.resolvedAt === null || t.resolvedAt + 30 * MINUTE >= at),
  );
}

function nextAction(ctx: WorkDayContext, key: number): number {
  // Action 1 of a ticket is the one that logged it; time is recorded from action 2 on.
  const next = (ctx.actionCounters.get(key) ?? 1) + 1;
  ctx.actionCounters.set(key, next);
  return next;
}

/** Turns one technician's blocks on `date` into priced time entries (seq is set by the caller). */
export function entriesForBlocks(
  ctx: WorkDayContext,
  tech: SimTechnician,
  date: string,
  blocks: readonly Block[],
  pool: readonly SimTicket[],
): SimTimeEntry[] {
  const { rng } = ctx;
  const entries: SimTimeEntry[] = [];
  for (const block of blocks) {
    const start = ctx.clock.toUtc(date, block.startMinute);
    const end = start + block.minutes * MINUTE;
    if (end >= ctx.now) continue;
    const candidates = workable(pool, start);
    const internal = candidates.length === 0 || (!block.afterHours && rng.chance(0.1));
    const ticket = internal ? null : rng.weighted(candidates.map((t) => [t, PRIORITY_PULL[t.priority]] as const));
    const hours = Math.round((block.minutes / 60) * 10_000) / 10_000;
    const priced = ticket ? priceTicketWork(rng, ticket, hours, block.afterHours) : priceInternalWork(rng);
    const enteredAt = Math.min(
      ctx.now - MINUTE,
      end +
        rng.weighted([
          [2, 5],
          [30, 3],
          [240, 1],
          [900, 1],
        ] as const) *
          MINUTE,
    );
    entries.push({
      seq: -1,
      technician: tech,
      ticket,
      actionNumber: nextAction(ctx, ticket ? ticket.seq : -1),
      start,
      end,
      hours,
      localDate: date,
      workType: priced.workType,
      billing: priced.billing,
      billable: priced.billable,
      hourlyRate: priced.hourlyRate,
      hoursBilled: priced.billable ? billedHours(rng, hours) : 0,
      enteredAt,
      // A fifth of the entries are touched again when a manager approves the week.
      updatedAt: rng.chance(0.2) ? Math.min(ctx.now - MINUTE, enteredAt + rng.int(1, 5) * 24 * 60 * MINUTE) : enteredAt,
    });
  }
  return entries;
}

function priceTicketWork(rng: Rng, ticket: SimTicket, hours: number, afterHours: boolean) {
  // Monitoring alerts are mostly covered by the managed-services agreement; on-call work on a
  // closed day is billed on top of it, as MSP agreements cover business hours only.
  const covered =
    !afterHours && rng.chance(ticket.board === 'monitoring' ? Math.min(0.9, ticket.client.coveredShare + 0.4) : ticket.client.coveredShare);
  const billing: Billing = covered ? 'NoCharge' : rng.chance(0.02) ? 'NoDefault' : 'Billable';
  const workType: WorkType = afterHours
    ? 'After Hours'
    : rng.weighted([
        ['Remote Support', 70],
        ['Phone Support', 18],
        ['Onsite', hours >= 1 ? 12 : 0],
      ] as const);
  const rate = afterHours ? ticket.client.hourlyRate * 1.5 : ticket.client.hourlyRate;
  return { workType, billing, billable: billing === 'Billable', hourlyRate: rate };
}

function priceInternalWork(rng: Rng) {
  return { workType: rng.weighted(INTERNAL_WORK) as WorkType, billing: 'DoNotBill' as Billing, billable: false, hourlyRate: 0 };
}

/** Billed time is the worked time, except for the minimum-charge round-ups some MSPs apply. */
function billedHours(rng: Rng, hours: number): number {
  return rng.chance(0.12) ? Math.ceil(hours * 2) / 2 : hours;
}
