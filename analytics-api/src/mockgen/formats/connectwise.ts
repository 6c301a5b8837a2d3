/**
 * ConnectWise PSA REST 3.0 shapes: `/service/tickets` and `/time/entries` objects. Like the real
 * API, properties whose value is null are left out. Quirks reproduced: `closedFlag` with
 * `closedDate`/`dateResolved` (resolved but not yet closed; reopened tickets), `isInSla` present
 * on tickets without an SLA, `billableOption` with all four values, internal time on charge codes.
 */
import type { Board, Channel, Priority } from '../catalog.js';
import { WORK_NOTES } from '../catalog.js';
import type { Rng } from '../prng.js';
import type { TenantSimulation } from '../simulation.js';
import type { OpenState, SimTicket } from '../ticket-flow.js';
import type { SimTimeEntry } from '../work-days.js';
import type { SimClient, SimTechnician } from '../world.js';
import type { JsonObject, RecordFormat, TicketDefect, TimeEntryDefect } from './format.js';
import { GARBLED_DATES, isoSeconds, round2 } from './format.js';

const CW_TICKET_ID_BASE = 301_000;
const CW_TIME_ENTRY_ID_BASE = 780_000;

const BOARDS: Record<Board, { id: number; name: string }> = {
  helpdesk: { id: 1, name: 'Help Desk' },
  escalations: { id: 2, name: 'Service Desk L2' },
  monitoring: { id: 4, name: 'Monitoring' },
  projects: { id: 6, name: 'Professional Services' },
};
const PRIORITIES: Record<Priority, { id: number; name: string; sort: number }> = {
  1: { id: 1, name: 'Priority 1 - Emergency Response', sort: 1 },
  2: { id: 2, name: 'Priority 2 - Quick Response', sort: 3 },
  3: { id: 4, name: 'Priority 3 - Normal Response', sort: 6 },
  4: { id: 5, name: 'Priority 4 - Schedule Maintenance', sort: 8 },
};
const STATUSES: Record<OpenState | 'closed', { id: number; name: string }> = {
  new: { id: 16, name: 'New' },
  in_progress: { id: 17, name: 'In Progress' },
  waiting_customer: { id: 18, name: 'Waiting Customer' },
  waiting_vendor: { id: 19, name: 'Waiting Vendor' },
  scheduled: { id: 20, name: 'Scheduled' },
  resolved: { id: 21, name: 'Resolved' },
  closed: { id: 22, name: 'Closed' },
};
const SOURCES: Record<Channel, { id: number; name: string }> = {
  phone: { id: 2, name: 'Phone' },
  email: { id: 3, name: 'Email' },
  portal: { id: 4, name: 'Portal' },
  monitoring: { id: 6, name: 'RMM' },
};
const WORK_TYPES: Record<string, number> = {
  'Remote Support': 3,
  'Phone Support': 4,
  Onsite: 5,
  'After Hours': 6,
  Admin: 10,
  Training: 11,
  'Team meeting': 12,
};
/** Internal time goes to charge codes, not tickets (chargeToType "ChargeCode"). */
const CHARGE_CODES: Record<string, number> = { Admin: 31, Training: 32, 'Team meeting': 33 };

function member(tech: SimTechnician) {
  return { id: 140 + tech.index, identifier: tech.login, name: tech.name };
}

function company(client: SimClient) {
  return { id: 250 + client.index, identifier: client.identifier, name: client.name };
}

/** Drops null and undefined properties, as the ConnectWise API does. */
function compact(record: JsonObject): JsonObject {
  for (const key of Object.keys(record)) if (record[key] === null || record[key] === undefined) delete record[key];
  return record;
}

function ticket(t: SimTicket, rng: Rng, sim: TenantSimulation): JsonObject {
  const closed = t.closedAt !== null;
  const status = STATUSES[closed ? 'closed' : (t.openState ?? 'new')];
  const withSla = t.sla === 'verdict';
  const respondMinutes = withSla && t.respondedAt !== null ? Math.max(0, Math.round((t.respondedAt - t.createdAt) / 60_000)) : 0;
  const resolveMinutes =
    withSla && t.resolvedAt !== null && t.respondedAt !== null ? Math.max(0, Math.round((t.resolvedAt - t.respondedAt) / 60_000)) : 0;
  // CW's own overall verdict: on a closed ticket final, on an open one the running state.
  const inSla = withSla && (t.responseMet ?? sim.now <= (t.responseDueAt ?? 0)) && (t.resolutionMet ?? sim.now <= (t.resolutionDueAt ?? 0));
  const enteredBy = t.channel === 'monitoring' ? 'RMMIntegration' : (t.technician?.login ?? 'Portal');
  return compact({
    id: CW_TICKET_ID_BASE + t.seq,
    summary: t.summary,
    board: BOARDS[t.board],
    status,
    company: company(t.client),
    type: { id: t.board === 'monitoring' ? 14 : 12, name: t.board === 'monitoring' ? 'Alert' : rng.pick(['Incident', 'Service Request']) },
    priority: PRIORITIES[t.priority],
    source: SOURCES[t.channel],
    owner: t.technician ? member(t.technician) : null,
    closedFlag: closed,
    closedDate: closed ? isoSeconds(t.closedAt!) : null,
    dateResolved: t.resolvedAt !== null ? isoSeconds(t.resolvedAt) : null,
    dateResponded: t.respondedAt !== null ? isoSeconds(t.respondedAt) : null,
    requiredDate: t.sla === 'due' && t.resolutionDueAt !== null ? isoSeconds(t.resolutionDueAt) : null,
    sla: withSla ? { id: 1, name: 'Standard SLA' } : null,
    isInSla: inSla,
    respondMinutes: withSla ? respondMinutes : null,
    resolveMinutes: withSla ? resolveMinutes : null,
    respondedHours: withSla ? (t.responseDueAt! - t.createdAt) / 3_600_000 : null,
    resolutionHours: withSla ? (t.resolutionDueAt! - t.createdAt) / 3_600_000 : null,
    customFields:
      t.reopenCount > 0
        ? [{ id: 7, caption: 'Reopen Count', type: 'Number', entryMethod: 'EntryField', numberOfDecimals: 0, value: t.reopenCount }]
        : null,
    _info: { lastUpdated: isoSeconds(t.updatedAt), dateEntered: isoSeconds(t.createdAt), enteredBy },
  });
}

function timeEntry(e: SimTimeEntry, rng: Rng, sim: TenantSimulation): JsonObject {
  const onTicket = e.ticket !== null;
  const msp = sim.profile.msp;
  const approved = sim.now - e.end > 7 * 86_400_000;
  return compact({
    id: CW_TIME_ENTRY_ID_BASE + e.seq,
    company: onTicket ? company(e.ticket!.client) : { id: 19, identifier: msp.identifier, name: msp.name },
    chargeToId: onTicket ? CW_TICKET_ID_BASE + e.ticket!.seq : CHARGE_CODES[e.workType],
    chargeToType: onTicket ? 'ServiceTicket' : 'ChargeCode',
    member: member(e.technician),
    workType: { id: WORK_TYPES[e.workType], name: e.workType },
    timeStart: isoSeconds(e.start),
    timeEnd: isoSeconds(e.end),
    actualHours: e.hours,
    billableOption: e.billing,
    notes: onTicket ? rng.pick(WORK_NOTES) : e.workType,
    hoursBilled: e.hoursBilled,
    hourlyRate: e.hourlyRate,
    status: approved ? (e.billable ? 'Billed' : 'ApprovedByTierTwo') : 'Open',
    dateEntered: isoSeconds(e.enteredAt),
    _info: { lastUpdated: isoSeconds(e.updatedAt) },
  });
}

function breakTicket(record: JsonObject, defect: TicketDefect, rng: Rng): void {
  const info = record._info as JsonObject;
  if (defect === 'missing-id') delete record.id;
  else if (defect === 'unparseable-created') info.dateEntered = rng.pick(GARBLED_DATES);
  else delete info.dateEntered;
}

function breakTimeEntry(record: JsonObject, defect: TimeEntryDefect, rng: Rng): void {
  if (defect === 'missing-id') delete record.id;
  else if (defect === 'negative-hours') record.actualHours = -round2(rng.between(0.25, 3));
  else if (defect === 'hours-over-24') record.actualHours = round2(rng.between(24.5, 60));
  else if (defect === 'unparseable-date') record.timeStart = rng.pick(GARBLED_DATES);
  else delete record.member;
}

export const connectWiseFormat: RecordFormat = {
  leadingTickets: () => [],
  ticket,
  timeEntry,
  breakTicket,
  breakTimeEntry,
};
