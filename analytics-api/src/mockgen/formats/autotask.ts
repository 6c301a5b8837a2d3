/**
 * Autotask REST v1.0 shapes: `Tickets` and `TimeEntries` query items (null properties included, as
 * Autotask returns them). Quirks reproduced: integer picklists whose order is not severity order,
 * status 5 = Complete, `serviceLevelAgreementHasBeenMet` false on open tickets, `dateWorked` as
 * midnight UTC (after-midnight on-call work in Paris starts the UTC day before its dateWorked),
 * time entries logged as hours only (no start/end), `offsetHours` for minimum-charge round-ups.
 */
import type { Board, Channel, Priority } from '../catalog.js';
import { WORK_NOTES } from '../catalog.js';
import type { Rng } from '../prng.js';
import type { OpenState, SimTicket } from '../ticket-flow.js';
import type { SimTimeEntry } from '../work-days.js';
import type { JsonObject, RecordFormat, TicketDefect, TimeEntryDefect } from './format.js';
import { GARBLED_DATES, isoMillis, round2 } from './format.js';

const AT_TICKET_ID_BASE = 52_000;
const AT_TIME_ENTRY_ID_BASE = 1_180_000;
const AT_RESOURCE_ID_BASE = 29_683_700;
const AT_COMPANY_ID_BASE = 170;

/** The default Autotask priority picklist: 1 High, 2 Medium, 3 Low, 4 Critical. */
const PRIORITY_VALUES: Record<Priority, number> = { 1: 4, 2: 1, 3: 2, 4: 3 };
const QUEUES: Record<Board, number> = { helpdesk: 29682833, escalations: 29682834, monitoring: 29682969, projects: 29683354 };
const SOURCES: Record<Channel, number> = { phone: 2, email: 4, portal: 6, monitoring: 8 };
const STATUS_VALUES: Record<OpenState | 'complete', number> = {
  new: 1,
  in_progress: 8,
  waiting_customer: 7,
  waiting_vendor: 12,
  scheduled: 10,
  resolved: 13,
  complete: 5,
};
const BILLING_CODES: Record<string, number> = {
  'Remote Support': 29683403,
  'Phone Support': 29683404,
  Onsite: 29683405,
  'After Hours': 29683406,
};
const INTERNAL_BILLING_CODES: Record<string, number> = { Admin: 29682801, Training: 29682802, 'Team meeting': 29682803 };

function at(ms: number | null): string | null {
  return ms === null ? null : isoMillis(ms);
}

function ticket(t: SimTicket): JsonObject {
  const complete = t.closedAt !== null;
  const withSla = t.sla !== 'none';
  const resource = t.technician ? AT_RESOURCE_ID_BASE + t.technician.index : null;
  return {
    id: AT_TICKET_ID_BASE + t.seq,
    ticketNumber: `T${t.localDate.replaceAll('-', '')}.${String(t.numberInDay).padStart(4, '0')}`,
    title: t.summary,
    companyID: AT_COMPANY_ID_BASE + t.client.index,
    assignedResourceID: resource,
    assignedResourceRoleID: resource === null ? null : 29683396,
    createDate: isoMillis(t.createdAt),
    firstResponseDateTime: at(t.respondedAt),
    firstResponseDueDateTime: withSla ? at(t.responseDueAt) : null,
    resolvedDateTime: at(t.resolvedAt),
    resolvedDueDateTime: withSla ? at(t.resolutionDueAt) : null,
    completedDate: at(t.closedAt),
    lastTrackedModificationDateTime: isoMillis(t.updatedAt),
    priority: PRIORITY_VALUES[t.priority],
    queueID: QUEUES[t.board],
    source: SOURCES[t.channel],
    status: STATUS_VALUES[complete ? 'complete' : (t.openState ?? 'new')],
    serviceLevelAgreementID: withSla ? 3 : null,
    // Only some tickets carry Autotask's verdict; false on open ones, which is not a breach.
    serviceLevelAgreementHasBeenMet: t.sla === 'verdict' ? (complete ? t.responseMet !== false && t.resolutionMet === true : false) : null,
    userDefinedFields: [{ name: 'Reopen Count', value: t.reopenCount > 0 ? String(t.reopenCount) : null }],
  };
}

function timeEntry(e: SimTimeEntry, rng: Rng): JsonObject {
  const onTicket = e.ticket !== null;
  // Some technicians log hours against a date without clock times.
  const hoursOnly = rng.chance(0.1);
  const offset = e.billable ? round2(e.hoursBilled - e.hours) : 0;
  return {
    id: AT_TIME_ENTRY_ID_BASE + e.seq,
    ticketID: onTicket ? AT_TICKET_ID_BASE + e.ticket!.seq : null,
    taskID: null,
    timeEntryType: onTicket ? 2 : 1,
    dateWorked: `${e.localDate}T00:00:00.000Z`,
    startDateTime: hoursOnly ? null : isoMillis(e.start),
    endDateTime: hoursOnly ? null : isoMillis(e.end),
    hoursWorked: e.hours,
    hoursToBill: round2(e.hours + offset),
    offsetHours: offset,
    summaryNotes: onTicket ? rng.pick(WORK_NOTES) : e.workType,
    resourceID: AT_RESOURCE_ID_BASE + e.technician.index,
    createDateTime: isoMillis(e.enteredAt),
    lastModifiedDateTime: isoMillis(e.updatedAt),
    billingCodeID: onTicket ? (BILLING_CODES[e.workType] ?? null) : null,
    internalBillingCodeID: onTicket ? null : (INTERNAL_BILLING_CODES[e.workType] ?? null),
    contractID: e.billing === 'NoCharge' ? 29684054 : null,
    isNonBillable: !e.billable,
  };
}

function breakTicket(record: JsonObject, defect: TicketDefect, rng: Rng): void {
  if (defect === 'missing-id') delete record.id;
  else if (defect === 'unparseable-created') record.createDate = rng.pick(GARBLED_DATES);
  else record.createDate = null;
}

function breakTimeEntry(record: JsonObject, defect: TimeEntryDefect, rng: Rng): void {
  if (defect === 'missing-id') delete record.id;
  else if (defect === 'negative-hours') record.hoursWorked = -round2(rng.between(0.25, 3));
  else if (defect === 'hours-over-24') record.hoursWorked = round2(rng.between(24.5, 60));
  else if (defect === 'unparseable-date') record.dateWorked = rng.pick(['2026-01-32T00:00:00.000Z', '31/12/2025', 'not a date']);
  else record.resourceID = null;
}

export const autotaskFormat: RecordFormat = {
  leadingTickets: () => [],
  ticket,
  timeEntry,
  breakTicket,
  breakTimeEntry,
};
