/**
 * One tenant's simulated service desk over a window of dates, as two lazy, PSA-neutral streams:
 * tickets in creation order, and time entries in day order. Each stream replays the simulation
 * from the start (it is cheap and deterministic), so nothing is kept in memory beyond one day and
 * each technician's queue of workable tickets.
 */
import { DeskHours } from './desk-hours.js';
import { WeightedTable, createRng } from './prng.js';
import type { TenantProfile } from './tenants.js';
import type { SimTicket } from './ticket-flow.js';
import { ticketsForDay } from './ticket-flow.js';
import type { SimTimeEntry, WorkDayContext } from './work-days.js';
import { entriesForBlocks, onCallBlocks, workdayBlocks } from './work-days.js';
import type { GenerationWindow, SimClient, SimTechnician, World } from './world.js';
import { WARMUP_DAYS, buildWorld, dayKind, isStaffed } from './world.js';
import { DAY_MS, ZoneClock, addDays, dateToUtcMidnight, datesBetween } from './zone-clock.js';

export interface SimulationOptions extends GenerationWindow {
  seed: string;
  /** Tickets created inside the window; default: the profile's natural volume. */
  tickets?: number;
}

/** A technician's queue keeps at most this many tickets, which bounds memory on huge runs. */
const MAX_QUEUE = 40;
const HOUR_MS = 3_600_000;

export class TenantSimulation {
  readonly clock: ZoneClock;
  readonly world: World;
  /** Local midnight after the window's last date: the moment the data set is "exported". */
  readonly now: number;
  readonly windowStart: number;
  private readonly technicianTable: WeightedTable<SimTechnician>;
  private readonly clientTable: WeightedTable<SimClient>;
  private readonly desk: DeskHours;

  constructor(
    readonly profile: TenantProfile,
    readonly options: SimulationOptions,
  ) {
    this.clock = new ZoneClock(profile.tenant.timezone);
    this.world = buildWorld(profile, options.seed, options, options.tickets);
    this.now = this.clock.toUtc(addDays(options.to, 1), 0);
    this.windowStart = this.clock.toUtc(options.from, 0);
    this.technicianTable = new WeightedTable(this.world.technicians, (t) => t.load);
    this.clientTable = new WeightedTable(this.world.clients, (c) => c.size);
    this.desk = new DeskHours(this.clock, (date) => this.kindOf(date));
  }

  private kindOf(date: string) {
    return dayKind(date, this.profile.workdays);
  }

  private onCallFor(date: string) {
    const week = Math.floor(dateToUtcMidnight(date) / (7 * DAY_MS));
    const techs = this.world.technicians;
    return techs[week % techs.length]!;
  }

  /** Every simulated day's tickets, warm-up days included. */
  private *days(): Generator<{ date: string; tickets: SimTicket[] }> {
    const rng = createRng(this.options.seed, this.profile.tenant.id, 'tickets');
    let seq = 0;
    for (const date of datesBetween(addDays(this.options.from, -WARMUP_DAYS), this.options.to)) {
      const count = this.world.ticketsPerDay.get(date) ?? 0;
      const tickets = ticketsForDay(
        {
          rng,
          clock: this.clock,
          now: this.now,
          technicians: this.technicianTable,
          clients: this.clientTable,
          onCall: this.onCallFor(date),
          workday: isStaffed(this.kindOf(date)),
          desk: this.desk,
        },
        date,
        count,
        seq,
      );
      seq += count;
      yield { date, tickets };
    }
  }

  /**
   * Tickets in creation order: those created in the window, plus the warm-up tickets still open
   * when the window starts (the backlog an export at the end of the window would include).
   */
  *tickets(): Generator<SimTicket> {
    for (const { tickets } of this.days()) {
      for (const ticket of tickets) {
        if (ticket.createdAt >= this.windowStart || ticket.closedAt === null || ticket.closedAt >= this.windowStart) yield ticket;
      }
    }
  }

  /** Time entries of the window's days, in order of start within each day. */
  *timeEntries(): Generator<SimTimeEntry> {
    const rng = createRng(this.options.seed, this.profile.tenant.id, 'work');
    const ctx: WorkDayContext = {
      rng,
      clock: this.clock,
      now: this.now,
      capacityHours: this.profile.tenant.daily_capacity_hours,
      actionCounters: new Map(),
    };
    const queues = this.world.technicians.map(() => [] as SimTicket[]);
    let seq = 0;
    for (const { date, tickets } of this.days()) {
      for (const ticket of tickets) {
        if (ticket.technician) queues[ticket.technician.index]!.push(ticket);
      }
      // Tickets resolved before this day can get no more time (see work-days.ts `workable`).
      const dayStart = this.clock.toUtc(date, 0);
      for (const [index, queue] of queues.entries()) {
        queues[index] = queue.filter((t) => t.resolvedAt === null || t.resolvedAt >= dayStart - HOUR_MS).slice(-MAX_QUEUE);
      }
      if (date < this.options.from) continue;
      const kind = this.kindOf(date);
      const onCall = this.onCallFor(date);
      const day: SimTimeEntry[] = [];
      for (const tech of this.world.technicians) {
        let blocks;
        if (isStaffed(kind)) {
          if (rng.chance(kind === 'quiet' ? 0.35 : 0.04)) continue; // leave, sick day
          blocks = workdayBlocks(ctx, tech);
        } else if (tech === onCall) {
          blocks = onCallBlocks(ctx);
        } else {
          continue;
        }
        for (const entry of entriesForBlocks(ctx, tech, date, blocks, queues[tech.index]!)) day.push(entry);
      }
      day.sort((a, b) => a.start - b.start || a.technician.index - b.technician.index);
      for (const entry of day) {
        entry.seq = seq;
        seq += 1;
        yield entry;
      }
      forgetFinishedTickets(ctx, queues);
    }
  }
}

/**
 * A ticket that left every queue is never worked again, so its action counter can go: this keeps
 * memory flat on million-ticket runs. The internal ticket (-1) stays.
 */
function forgetFinishedTickets(ctx: WorkDayContext, queues: readonly SimTicket[][]): void {
  if (ctx.actionCounters.size < 4 * MAX_QUEUE * queues.length) return;
  const live = new Set<number>([-1]);
  for (const queue of queues) for (const t of queue) live.add(t.seq);
  for (const key of [...ctx.actionCounters.keys()]) if (!live.has(key)) ctx.actionCounters.delete(key);
}
