/**
 * Ticket arrivals and lifecycles, PSA-neutral. A ticket is generated whole at its creation, as it
 * stands at the end of the window (`now`): responded or not, resolved, closed, reopened, its SLA.
 */
import type { Board, Channel, Priority } from './catalog.js';
import { RESOLUTION_TARGET_HOURS, RESPONSE_TARGET_HOURS, drawPriority, drawTicketKind, fillSummary } from './catalog.js';
import type { DeskHours } from './desk-hours.js';
import type { Rng, WeightedTable } from './prng.js';
import type { SimClient, SimTechnician } from './world.js';
import type { ZoneClock } from './zone-clock.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How the PSA expresses the ticket's SLA: its own verdict, only due dates, or no SLA at all. */
export type SlaKind = 'verdict' | 'due' | 'none';

export type OpenState = 'new' | 'in_progress' | 'waiting_customer' | 'waiting_vendor' | 'scheduled' | 'resolved';

export interface SimTicket {
  /** Order of creation over the whole run (warm-up included); native ids derive from it. */
  seq: number;
  /** 1-based number of the ticket within its local creation day (Autotask ticket numbers). */
  numberInDay: number;
  localDate: string;
  createdAt: number;
  summary: string;
  board: Board;
  channel: Channel;
  priority: Priority;
  client: SimClient;
  /** null: still in the queue, nobody assigned. */
  technician: SimTechnician | null;
  respondedAt: number | null;
  /** When the fix was done; the ticket may still await closing. */
  resolvedAt: number | null;
  /** null: open at the end of the window. */
  closedAt: number | null;
  openState: OpenState | null;
  reopenCount: number;
  sla: SlaKind;
  responseDueAt: number | null;
  resolutionDueAt: number | null;
  responseMet: boolean | null;
  resolutionMet: boolean | null;
  updatedAt: number;
  /** A deliberate oddity that ingestion must accept with a warning. */
  quirk: 'closed-before-created' | 'closed-on-creation' | null;
}

export interface TicketFlowContext {
  rng: Rng;
  clock: ZoneClock;
  /** End of the window: local midnight after the last date. Nothing happens at or after it. */
  now: number;
  /** Technicians by their share of new tickets, clients by their ticket volume. */
  technicians: WeightedTable<SimTechnician>;
  clients: WeightedTable<SimClient>;
  /** Who answers tickets on this date when it is not a working day. */
  onCall: SimTechnician;
  /** The whole desk works on this date; otherwise only the on-call technician, on urgent tickets. */
  workday: boolean;
  desk: DeskHours;
}

/** High and critical: what the on-call technician handles when the desk is closed. */
function isUrgent(priority: Priority): boolean {
  return priority <= 2;
}

/** Arrival minute of day: a morning and an afternoon peak on workdays, anything otherwise. */
function arrivalMinute(ctx: TicketFlowContext): number {
  const { rng } = ctx;
  if (!ctx.workday || rng.chance(0.16)) return rng.int(0, 1439);
  const peak = rng.chance(0.55) ? { mean: 600, sd: 90 } : { mean: 870, sd: 100 };
  return Math.min(1140, Math.max(420, Math.round(peak.mean + peak.sd * rng.normal())));
}

/** The tickets created on one local date, in creation order. */
export function ticketsForDay(ctx: TicketFlowContext, date: string, count: number, firstSeq: number): SimTicket[] {
  const minutes = Array.from({ length: count }, () => arrivalMinute(ctx)).sort((a, b) => a - b);
  return minutes.map((minute, i) => {
    const createdAt = ctx.clock.toUtc(date, minute) + ctx.rng.int(0, 59) * 1000;
    return buildTicket(ctx, { seq: firstSeq + i, numberInDay: i + 1, localDate: date, createdAt });
  });
}

function buildTicket(ctx: TicketFlowContext, base: Pick<SimTicket, 'seq' | 'numberInDay' | 'localDate' | 'createdAt'>): SimTicket {
  const { rng, now } = ctx;
  const kind = drawTicketKind(rng);
  let priority = drawPriority(kind, rng);
  // What gets raised on a closed day is mostly what cannot wait: outages, security alerts.
  if (!ctx.workday && !isUrgent(priority) && rng.chance(0.6)) priority = rng.chance(0.3) ? 1 : 2;
  const client = ctx.clients.pick(rng);
  const assignee = ctx.workday || rng.chance(0.25) ? ctx.technicians.pick(rng) : ctx.onCall;
  const created = base.createdAt;

  // Response: log-normal around a third of the target, so roughly one in eight breaches.
  const responseTarget = RESPONSE_TARGET_HOURS[priority] * HOUR;
  const resolutionTarget = RESOLUTION_TARGET_HOURS[priority] * HOUR;
  let responded = created + Math.max(2 * MINUTE, rng.logNormal(0.3, 0.9) * responseTarget);
  let resolved = created + Math.max(responded - created + 5 * MINUTE, rng.logNormal(0.45, 1.1) * resolutionTarget);
  if (rng.chance(0.03)) resolved = created + rng.between(10, 45) * DAY; // waiting on a vendor, a project
  let closed = rng.chance(0.7) ? resolved + rng.int(0, 10) * MINUTE : resolved + rng.between(1, 3) * DAY; // auto-close
  let quirk: SimTicket['quirk'] = null;
  if (rng.chance(0.04)) {
    // Fixed during the call and logged closed at once (Halo "quick time" stubs look like this).
    quirk = 'closed-on-creation';
    responded = created;
    resolved = created + rng.int(0, 2) * MINUTE;
    closed = resolved;
  } else if (rng.chance(0.003)) {
    // Imported from an email client with a wrong clock: closed "before" it was created.
    quirk = 'closed-before-created';
    resolved = created - rng.between(1, 6) * HOUR;
    closed = resolved;
    responded = resolved;
  }
  const reopenRoll = rng.float();
  const reopenCount = quirk === null ? (reopenRoll < 0.01 ? 2 : reopenRoll < 0.06 ? 1 : 0) : 0;
  if (reopenCount > 0) closed += reopenCount * rng.between(1, 4) * DAY; // the customer came back
  if (!isUrgent(priority) && quirk === null) {
    // Nobody but the on-call technician works a closed day, and they only take urgent tickets (a
    // ticket fixed during the call is closed whenever the call came in).
    responded = Math.max(created, ctx.desk.handledAt(responded));
    resolved = Math.max(responded, ctx.desk.handledAt(resolved));
    closed = Math.max(resolved, ctx.desk.handledAt(closed));
  }

  const sla: SlaKind = rng.weighted([
    ['verdict', 55],
    ['due', 30],
    ['none', 15],
  ] as const);
  const isResponded = responded < now;
  const isResolved = resolved < now;
  const isClosed = closed < now;
  const respondedAt = isResponded ? Math.round(responded) : null;
  const closedAt = isClosed ? Math.round(closed) : null;
  const responseDueAt = sla === 'none' ? null : created + responseTarget;
  const resolutionDueAt = sla === 'none' ? null : created + resolutionTarget;
  const openState: OpenState | null = isClosed
    ? null
    : !isResponded
      ? 'new'
      : isResolved
        ? 'resolved'
        : rng.weighted([
            ['in_progress', 50],
            ['waiting_customer', 25],
            ['waiting_vendor', 15],
            ['scheduled', 10],
          ] as const);
  const lastEvent = Math.max(created, respondedAt ?? 0, isResolved ? resolved : 0, closedAt ?? 0);
  return {
    seq: base.seq,
    numberInDay: base.numberInDay,
    localDate: base.localDate,
    createdAt: base.createdAt,
    summary: fillSummary(kind.summary, rng),
    board: kind.board,
    channel: kind.channel,
    priority,
    client,
    // Tickets nobody has answered yet mostly sit unassigned in the queue.
    technician: !isResponded && rng.chance(0.65) ? null : assignee,
    respondedAt,
    resolvedAt: isResolved ? Math.round(resolved) : null,
    closedAt,
    openState,
    reopenCount,
    sla,
    responseDueAt,
    resolutionDueAt,
    responseMet: responseDueAt !== null && respondedAt !== null ? respondedAt <= responseDueAt : null,
    resolutionMet: resolutionDueAt !== null && closedAt !== null ? closedAt <= resolutionDueAt : null,
    updatedAt: Math.min(now - MINUTE, Math.round(lastEvent + rng.int(1, 30) * MINUTE)),
    quirk,
  };
}
