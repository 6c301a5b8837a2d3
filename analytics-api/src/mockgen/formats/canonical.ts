/**
 * Canonical records (contract.md), for push-mode benchmarks: `mock-data generate --format canonical`.
 */
import type { Board, Priority } from '../catalog.js';
import type { Rng } from '../prng.js';
import type { SimTicket } from '../ticket-flow.js';
import type { SimTimeEntry } from '../work-days.js';
import type { JsonObject, RecordFormat, TicketDefect, TimeEntryDefect } from './format.js';
import { GARBLED_DATES, isoMillis, round2 } from './format.js';

const BOARDS: Record<Board, string> = { helpdesk: 'Help Desk', escalations: 'Escalations', monitoring: 'Monitoring', projects: 'Projects' };
const PRIORITIES: Record<Priority, string> = { 1: 'P1 Critical', 2: 'P2 High', 3: 'P3 Medium', 4: 'P4 Low' };

function at(ms: number | null): string | null {
  return ms === null ? null : isoMillis(ms);
}

function ticket(t: SimTicket): JsonObject {
  const verdict = t.sla === 'verdict';
  return {
    external_id: `T${100_000 + t.seq}`,
    created_at: isoMillis(t.createdAt),
    summary: t.summary,
    client_id: `C${t.client.index + 1}`,
    client_name: t.client.name,
    technician_id: t.technician ? `U${t.technician.index + 1}` : null,
    technician_name: t.technician?.name ?? null,
    board: BOARDS[t.board],
    priority: PRIORITIES[t.priority],
    status: t.closedAt !== null ? 'closed' : t.openState,
    first_response_at: at(t.respondedAt),
    closed_at: at(t.closedAt),
    sla_response_due_at: t.sla === 'none' ? null : at(t.responseDueAt),
    sla_resolution_due_at: t.sla === 'none' ? null : at(t.resolutionDueAt),
    sla_response_met: verdict ? t.responseMet : null,
    sla_resolution_met: verdict ? t.resolutionMet : null,
    reopen_count: t.reopenCount,
    updated_at: isoMillis(t.updatedAt),
  };
}

function timeEntry(e: SimTimeEntry): JsonObject {
  return {
    external_id: `E${e.seq + 1}`,
    technician_id: `U${e.technician.index + 1}`,
    technician_name: e.technician.name,
    hours_worked: e.hours,
    billable: e.billable,
    started_at: isoMillis(e.start),
    ended_at: isoMillis(e.end),
    work_date: e.localDate,
    ticket_external_id: e.ticket ? `T${100_000 + e.ticket.seq}` : null,
    client_id: e.ticket ? `C${e.ticket.client.index + 1}` : null,
    client_name: e.ticket?.client.name ?? null,
    hours_billed: e.billable ? e.hoursBilled : null,
    hourly_rate: e.ticket ? e.hourlyRate : null,
    work_type: e.workType,
    updated_at: isoMillis(e.updatedAt),
  };
}

function breakTicket(record: JsonObject, defect: TicketDefect, rng: Rng): void {
  if (defect === 'missing-id') delete record.external_id;
  else if (defect === 'unparseable-created') record.created_at = rng.pick(GARBLED_DATES);
  else delete record.created_at;
}

function breakTimeEntry(record: JsonObject, defect: TimeEntryDefect, rng: Rng): void {
  if (defect === 'missing-id') delete record.external_id;
  else if (defect === 'negative-hours') record.hours_worked = -round2(rng.between(0.25, 3));
  else if (defect === 'hours-over-24') record.hours_worked = round2(rng.between(24.5, 60));
  else if (defect === 'unparseable-date') record.started_at = rng.pick(GARBLED_DATES);
  else delete record.technician_id;
}

export const canonicalFormat: RecordFormat = {
  leadingTickets: () => [],
  ticket,
  timeEntry,
  breakTicket,
  breakTimeEntry,
};
