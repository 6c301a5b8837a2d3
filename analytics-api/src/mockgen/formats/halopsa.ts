/**
 * HaloPSA REST shapes: `Tickets` list items (swagger `Faults_List`) and time-carrying `Actions`.
 * Quirks reproduced: null sentinel dates (0001-01-01, 1900-01-01, 1899-12-30), seven-digit
 * fractions, date-times without Z, `datecreated` stamped after the close on quick "stub" tickets,
 * SLA states 'I'/'O', action ids numbered per ticket, `actisbillable` true on non-charged time and
 * `actionchargehours` often 0. Internal time is logged on one internal ticket, as Halo needs a
 * ticket for every action.
 */
import type { Board, Priority } from '../catalog.js';
import { WORK_NOTES } from '../catalog.js';
import type { Rng } from '../prng.js';
import type { TenantSimulation } from '../simulation.js';
import type { OpenState, SimTicket } from '../ticket-flow.js';
import type { SimTimeEntry } from '../work-days.js';
import type { JsonObject, RecordFormat, TicketDefect, TimeEntryDefect } from './format.js';
import { GARBLED_DATES, haloTicks, round2 } from './format.js';

const HALO_TICKET_ID_BASE = 18_100;
/** The internal ticket that carries admin, training and meeting time. */
const HALO_INTERNAL_TICKET_ID = 18_000;

const NEVER = '1900-01-01T00:00:00';
const NEVER_EMAIL = '0001-01-01T00:00:00';
const NEVER_AUDIT = '1899-12-30T00:00:00';

const PRIORITY_NAMES: Record<Priority, string> = { 1: 'P1 - Critical', 2: 'P2 - High', 3: 'P3 - Medium', 4: 'P4 - Low' };
const TEAMS: Record<Board, string> = {
  helpdesk: '1st Line Support',
  escalations: '2nd Line Support',
  monitoring: 'Alerts',
  projects: 'Projects',
};
const STATUSES: Record<OpenState | 'closed', [number, string]> = {
  new: [1, 'New'],
  in_progress: [2, 'In Progress'],
  waiting_customer: [4, 'Waiting on Customer'],
  waiting_vendor: [5, 'Waiting on Supplier'],
  scheduled: [21, 'Scheduled'],
  resolved: [8, 'Resolved'],
  closed: [9, 'Closed'],
};

function agentId(index: number): number {
  return 2 + index; // agent 1 is Halo's built-in admin
}

function ticket(t: SimTicket, rng: Rng): JsonObject {
  const closed = t.closedAt !== null;
  const [statusId, statusName] = STATUSES[closed ? 'closed' : (t.openState ?? 'new')];
  const withSla = t.sla !== 'none';
  // A quick stub is stamped after its own close; other tickets a few seconds after they occurred.
  const stampedAt = t.quirk === 'closed-on-creation' ? t.closedAt! + rng.int(1000, 3000) : t.createdAt + rng.int(1000, 20_000);
  const record: JsonObject = {
    id: HALO_TICKET_ID_BASE + t.seq,
    dateoccurred: haloTicks(t.createdAt, rng),
    summary: t.summary,
    status_id: statusId,
    status_name: statusName,
    sla_id: withSla ? 3 : 0,
    sla_name: withSla ? 'Managed Services SLA' : null,
    priority_id: t.priority,
    priority_name: PRIORITY_NAMES[t.priority],
    client_id: 12 + t.client.index,
    client_name: t.client.name,
    team: TEAMS[t.board],
    agent_id: t.technician ? agentId(t.technician.index) : 0,
    agent_name: t.technician?.name ?? null,
    respondbydate: withSla ? haloTicks(t.responseDueAt!, rng) : NEVER,
    // Response dates come back without a Z now and then; they are UTC all the same.
    responsedate: t.respondedAt !== null ? haloTicks(t.respondedAt, rng, rng.chance(0.7)) : NEVER,
    fixbydate: withSla ? haloTicks(t.resolutionDueAt!, rng) : NEVER,
    dateclosed: closed ? haloTicks(t.closedAt!, rng) : NEVER,
    hasbeenclosed: closed || t.reopenCount > 0,
    excludefromsla: !withSla && rng.chance(0.4),
    last_update: haloTicks(t.updatedAt, rng, false),
    datecreated: haloTicks(stampedAt, rng, false),
    lastincomingemail: t.channel === 'email' ? haloTicks(t.createdAt, rng) : NEVER_EMAIL,
    auditdate: NEVER_AUDIT,
  };
  if (t.sla === 'verdict') {
    record.slaresponsestate = t.responseMet === null ? '' : t.responseMet ? 'I' : 'O';
    record.slastate = t.resolutionMet === null ? '' : t.resolutionMet ? 'I' : 'O';
  } else if (t.sla === 'none') {
    record.slaresponsestate = '';
    record.slastate = '';
  }
  if (t.reopenCount > 0) record.customfields = [{ id: 201, name: 'CFReopenCount', label: 'Reopen count', value: String(t.reopenCount) }];
  return record;
}

function internalTicket(sim: TenantSimulation, rng: Rng): JsonObject {
  const opened = sim.windowStart - 90 * 86_400_000;
  return {
    id: HALO_INTERNAL_TICKET_ID,
    dateoccurred: haloTicks(opened, rng),
    summary: 'Internal: admin, training and team meetings',
    status_id: 2,
    status_name: 'In Progress',
    sla_id: 0,
    priority_id: 4,
    priority_name: PRIORITY_NAMES[4],
    client_id: 1,
    client_name: sim.profile.msp.name,
    team: 'Internal',
    agent_id: 0,
    respondbydate: NEVER,
    responsedate: NEVER, // a bucket for internal time is never responded to
    fixbydate: NEVER,
    dateclosed: NEVER,
    hasbeenclosed: false,
    excludefromsla: true,
    last_update: haloTicks(sim.now - 86_400_000, rng, false),
    datecreated: haloTicks(opened + 4000, rng, false),
    lastincomingemail: NEVER_EMAIL,
    auditdate: NEVER_AUDIT,
    slaresponsestate: '',
    slastate: '',
  };
}

function action(e: SimTimeEntry, rng: Rng): JsonObject {
  const onTicket = e.ticket !== null;
  const onsite = e.workType === 'Onsite';
  const chargeRate = e.billable ? (e.workType === 'After Hours' ? 2 : 1) : onTicket ? 0 : -1;
  // Many Halo tenants never fill the charge hours in, even on charged time.
  const chargeHours = e.billable && rng.chance(0.6) ? e.hoursBilled : 0;
  return {
    id: e.actionNumber,
    ticket_id: onTicket ? HALO_TICKET_ID_BASE + e.ticket!.seq : HALO_INTERNAL_TICKET_ID,
    outcome: e.workType,
    who: e.technician.name,
    who_agentid: agentId(e.technician.index),
    datetime: haloTicks(e.start, rng),
    actiondatecreated: haloTicks(e.enteredAt, rng, false),
    actionarrivaldate: onsite ? haloTicks(e.start, rng) : NEVER,
    actioncompletiondate: onsite ? haloTicks(e.end, rng) : NEVER,
    timetaken: e.hours,
    actionchargehours: chargeHours,
    actionchargeamount: round2(chargeHours * e.hourlyRate),
    chargerate: chargeRate,
    actisbillable: onTicket,
    note: onTicket ? rng.pick(WORK_NOTES) : e.workType,
    last_updated: haloTicks(e.updatedAt, rng, false),
  };
}

function breakTicket(record: JsonObject, defect: TicketDefect, rng: Rng): void {
  if (defect === 'missing-id') delete record.id;
  else if (defect === 'unparseable-created') record.dateoccurred = rng.pick(GARBLED_DATES);
  else {
    // The open time comes back as a null sentinel: there is no creation instant at all.
    record.dateoccurred = NEVER_EMAIL;
    record.datecreated = NEVER;
  }
}

function breakTimeEntry(record: JsonObject, defect: TimeEntryDefect, rng: Rng): void {
  if (defect === 'missing-id') delete record.id;
  else if (defect === 'negative-hours') record.timetaken = -round2(rng.between(0.25, 3));
  else if (defect === 'hours-over-24') record.timetaken = round2(rng.between(24.5, 60));
  else if (defect === 'unparseable-date') record.datetime = rng.pick(GARBLED_DATES);
  else record.who_agentid = 0;
}

export const haloFormat: RecordFormat = {
  leadingTickets: (sim, rng) => [internalTicket(sim, rng)],
  ticket,
  timeEntry: action,
  breakTicket,
  breakTimeEntry,
};
