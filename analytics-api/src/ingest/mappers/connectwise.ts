/**
 * ConnectWise PSA (Manage) REST 3.0 → canonical records.
 * Tickets as returned by `/service/tickets`, time entries as returned by `/time/entries`.
 * Field facts: shared/research/msp-psa-data-and-kpis.md §1.1 and §1.5.
 */
import { CanonicalDraft, asObject, isPresent, numberOrNull, refOf, reopenCountFrom, type NativeObject } from './draft.js';
import { parseInstant } from '../validate.js';

/**
 * Caption of the ticket custom field that holds the reopen count. ConnectWise has no reopen counter;
 * `customFields` is real, this caption is our convention (set it up once per CW site).
 */
export const CW_REOPEN_FIELD_CAPTION = 'Reopen Count';

/** Time charged to these record types belongs to a ticket; ChargeCode and Activity time does not. */
const TICKET_CHARGE_TYPES = new Set(['ServiceTicket', 'ProjectTicket']);

function memberName(member: NativeObject | null): unknown {
  if (!member) return null;
  return isPresent(member.name) ? member.name : member.identifier;
}

export function mapConnectWiseTicket(ticket: NativeObject): CanonicalDraft {
  const draft = new CanonicalDraft();
  const info = refOf(ticket, '_info');
  const company = refOf(ticket, 'company');
  const owner = refOf(ticket, 'owner');

  draft.set('external_id', ticket.id, 'id');
  if (info && isPresent(info.dateEntered)) draft.set('created_at', info.dateEntered, '_info.dateEntered');
  else draft.set('created_at', ticket.dateEntered, 'dateEntered');
  draft.set('summary', ticket.summary, 'summary');
  draft.set('client_id', company?.id ?? null, 'company.id');
  draft.set('client_name', company?.name ?? null, 'company.name');
  draft.set('technician_id', owner?.id ?? null, 'owner.id');
  draft.set('technician_name', memberName(owner), 'owner.name');
  draft.set('board', refOf(ticket, 'board')?.name ?? null, 'board.name');
  draft.set('priority', refOf(ticket, 'priority')?.name ?? null, 'priority.name');
  draft.set('status', refOf(ticket, 'status')?.name ?? null, 'status.name');
  draft.set('first_response_at', ticket.dateResponded, 'dateResponded');
  draft.set('updated_at', info?.lastUpdated ?? null, '_info.lastUpdated');
  mapClosure(draft, ticket, info);
  mapSla(draft, ticket);
  const reopenField = Array.isArray(ticket.customFields)
    ? ticket.customFields.map(asObject).find((f) => f?.caption === CW_REOPEN_FIELD_CAPTION)
    : undefined;
  if (reopenField) reopenCountFrom(draft, reopenField.value, `customFields["${CW_REOPEN_FIELD_CAPTION}"]`);
  return draft;
}

/**
 * `closedFlag` decides whether the ticket is closed; the instant is `closedDate`, else
 * `dateResolved`. A ticket reopened after a close keeps its old closedDate with closedFlag false:
 * it is open. Without a closedFlag at all, a close date alone marks the ticket closed.
 */
function mapClosure(draft: CanonicalDraft, ticket: NativeObject, info: NativeObject | null): void {
  const closedAt = isPresent(ticket.closedDate)
    ? { value: ticket.closedDate, origin: 'closedDate' }
    : isPresent(ticket.dateResolved)
      ? { value: ticket.dateResolved, origin: 'dateResolved' }
      : null;
  if (ticket.closedFlag === false) {
    draft.set('closed_at', null, 'closedFlag');
  } else if (closedAt) {
    draft.set('closed_at', closedAt.value, closedAt.origin);
  } else if (ticket.closedFlag === true) {
    // Closed without a close date: the last update is the best available instant for the day.
    draft.set('closed_at', info?.lastUpdated ?? null, '_info.lastUpdated');
    draft.warnings.push('closed_at: closedFlag is true but closedDate and dateResolved are empty; _info.lastUpdated used');
  }
}

/**
 * ConnectWise gives no due instants, only its own verdicts:
 * - response: met when `respondMinutes + respondedSkippedMinutes <= respondedHours × 60`, the rule
 *   that CW reporting (BrightGauge "Ticket Stats") applies to CW's business-minute counters;
 * - resolution: `isInSla` once the ticket is closed (on an open ticket it is only a running state).
 * Tickets without an `sla` reference have no verdicts; their `requiredDate`, when set, is used as
 * the resolution due date.
 */
function mapSla(draft: CanonicalDraft, ticket: NativeObject): void {
  if (isPresent(ticket.requiredDate)) draft.set('sla_resolution_due_at', ticket.requiredDate, 'requiredDate');
  if (!refOf(ticket, 'sla')) return;
  const respondMinutes = numberOrNull(ticket.respondMinutes);
  const targetHours = numberOrNull(ticket.respondedHours);
  if (isPresent(ticket.dateResponded) && respondMinutes !== null && targetHours !== null && targetHours > 0) {
    const skipped = numberOrNull(ticket.respondedSkippedMinutes) ?? 0;
    draft.set('sla_response_met', respondMinutes + skipped <= targetHours * 60, 'respondMinutes/respondedHours');
  }
  if (draft.values.closed_at && typeof ticket.isInSla === 'boolean') {
    draft.set('sla_resolution_met', ticket.isInSla, 'isInSla');
  }
}

export function mapConnectWiseTimeEntry(entry: NativeObject): CanonicalDraft {
  const draft = new CanonicalDraft();
  const member = refOf(entry, 'member');
  const company = refOf(entry, 'company');

  draft.set('external_id', entry.id, 'id');
  draft.set('technician_id', member?.id ?? null, 'member.id');
  draft.set('technician_name', memberName(member), 'member.name');
  draft.set('started_at', entry.timeStart, 'timeStart');
  draft.set('ended_at', entry.timeEnd, 'timeEnd');
  mapHours(draft, entry);
  // Only "Billable" is billed; DoNotBill, NoCharge and NoDefault are not (research §1.1, §0.7).
  draft.set('billable', typeof entry.billableOption === 'string' ? entry.billableOption === 'Billable' : null, 'billableOption');
  draft.set('hours_billed', entry.hoursBilled, 'hoursBilled');
  draft.set('hourly_rate', entry.hourlyRate, 'hourlyRate');
  const chargeType = entry.chargeToType;
  const chargedToTicket = typeof chargeType === 'string' && TICKET_CHARGE_TYPES.has(chargeType);
  draft.set('ticket_external_id', chargedToTicket ? entry.chargeToId : null, 'chargeToId');
  draft.set('client_id', company?.id ?? null, 'company.id');
  draft.set('client_name', company?.name ?? null, 'company.name');
  draft.set('work_type', refOf(entry, 'workType')?.name ?? null, 'workType.name');
  draft.set('updated_at', refOf(entry, '_info')?.lastUpdated ?? null, '_info.lastUpdated');
  return draft;
}

/** `actualHours` is the worked time; older payloads without it still carry timeStart/timeEnd. */
function mapHours(draft: CanonicalDraft, entry: NativeObject): void {
  if (isPresent(entry.actualHours)) {
    draft.set('hours_worked', entry.actualHours, 'actualHours');
    return;
  }
  const start = typeof entry.timeStart === 'string' ? parseInstant(entry.timeStart) : null;
  const end = typeof entry.timeEnd === 'string' ? parseInstant(entry.timeEnd) : null;
  if (start && end && 'ms' in start && 'ms' in end && end.ms >= start.ms) {
    draft.set('hours_worked', Math.round(((end.ms - start.ms) / 3_600_000) * 10_000) / 10_000, 'timeEnd - timeStart');
    draft.warnings.push('hours_worked: actualHours is empty; computed from timeStart and timeEnd');
  } else {
    draft.set('hours_worked', null, 'actualHours');
  }
}
