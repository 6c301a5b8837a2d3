/**
 * ConnectWise PSA (Manage) REST 3.0 → canonical records.
 * Tickets as returned by `/service/tickets`, time entries as returned by `/time/entries`.
 * Field facts: shared/research/msp-psa-data-and-kpis.md §1.1 and §1.5.
 */
import {
  CanonicalDraft,
  asObject,
  dropInstantResponse,
  firstPresent,
  isPresent,
  numberOrNull,
  refOf,
  reopenCountFrom,
  type NativeObject,
} from './draft.js';
import { parseInstant } from '../validate.js';

/**
 * Caption of the ticket custom field that holds the reopen count. ConnectWise has no reopen counter;
 * `customFields` is real, this caption is our convention (set it up once per CW site).
 */
export const CW_REOPEN_FIELD_CAPTION = 'Reopen Count';

/** Time charged to these record types belongs to a ticket; ChargeCode and Activity time does not. */
const TICKET_CHARGE_TYPES = new Set(['ServiceTicket', 'ProjectTicket']);

/**
 * A member or owner reference carries `name`; the full member objects some dumps embed carry only
 * `identifier` (and first/last names): the identifier is then the name, with a warning.
 */
function setMemberName(draft: CanonicalDraft, member: NativeObject | null, origin: string): void {
  if (member && !isPresent(member.name) && isPresent(member.identifier)) {
    draft.set('technician_name', member.identifier, `${origin}.identifier`);
    draft.warnings.push(`technician_name: ${origin} has no name; its identifier is used`);
    return;
  }
  draft.set('technician_name', member?.name ?? null, `${origin}.name`);
}

/**
 * `_info.lastUpdated` is the change stamp. Some dumps (a production time-entry export) have no
 * `_info`: the record's own `dateEntered` is then the best known instant, with a warning.
 */
function setUpdatedAt(draft: CanonicalDraft, record: NativeObject, info: NativeObject | null): void {
  if (info && isPresent(info.lastUpdated)) {
    draft.set('updated_at', info.lastUpdated, '_info.lastUpdated');
  } else if (isPresent(record.dateEntered)) {
    draft.set('updated_at', record.dateEntered, 'dateEntered');
    draft.warnings.push('updated_at: _info.lastUpdated is absent; dateEntered used');
  } else {
    draft.set('updated_at', null, '_info.lastUpdated');
  }
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
  setMemberName(draft, owner, 'owner');
  draft.set('board', refOf(ticket, 'board')?.name ?? null, 'board.name');
  draft.set('priority', refOf(ticket, 'priority')?.name ?? null, 'priority.name');
  draft.set('status', refOf(ticket, 'status')?.name ?? null, 'status.name');
  // dateResplan is stamped when the ticket reaches the responded/planned stage: the same instant
  // on every real ticket that has both, and the only one on some.
  const response = firstPresent(ticket, ['dateResponded', 'dateResplan']);
  draft.set('first_response_at', response.value, response.key);
  setUpdatedAt(draft, ticket, info);
  mapClosure(draft, ticket, info);
  mapSla(draft, ticket);
  dropInstantResponse(draft);
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

/** ConnectWise writes 999 hours as the targets of its "No SLA" SLA. */
const CW_NO_SLA_HOURS = 999;

/** A real SLA: referenced, not named "No SLA", and without the 999-hour placeholder targets. */
function realSla(ticket: NativeObject): NativeObject | null {
  const sla = refOf(ticket, 'sla');
  if (!sla) return null;
  if (typeof sla.name === 'string' && /^\s*no\s*sla\s*$/i.test(sla.name)) return null;
  const targets = [ticket.respondedHours, ticket.resplanHours, ticket.resolutionHours, sla.respondHours, sla.resolutionHours];
  if (targets.some((t) => (numberOrNull(t) ?? 0) >= CW_NO_SLA_HOURS)) return null;
  return sla;
}

/**
 * ConnectWise gives no due instants, only its own verdicts:
 * - response: met when `respondMinutes + respondedSkippedMinutes <= target × 60`, the rule that CW
 *   reporting (BrightGauge "Ticket Stats") applies to CW's business-minute counters. The target is
 *   the ticket's `respondedHours`; most real tickets lack it, and then the SLA's own `respondHours`
 *   is used when the SLA object is expanded in the payload;
 * - resolution: `isInSla` once the ticket is closed (on an open ticket it is only a running state).
 * A ticket without a real SLA (no reference, "No SLA", 999-hour targets) has no verdict: `isInSla`
 * is true on it, which is not a met SLA. Without an SLA reference, `requiredDate` (when set) is the
 * resolution due date. Tickets left without a verdict get one from the tenant's `sla_targets`.
 */
function mapSla(draft: CanonicalDraft, ticket: NativeObject): void {
  const reference = refOf(ticket, 'sla');
  if (!reference && isPresent(ticket.requiredDate)) draft.set('sla_resolution_due_at', ticket.requiredDate, 'requiredDate');
  const sla = realSla(ticket);
  if (!sla) return;
  const respondMinutes = numberOrNull(ticket.respondMinutes);
  const target = isPresent(ticket.respondedHours)
    ? { hours: numberOrNull(ticket.respondedHours), origin: 'respondMinutes/respondedHours' }
    : { hours: numberOrNull(sla.respondHours), origin: 'respondMinutes/sla.respondHours' };
  if (isPresent(draft.values.first_response_at) && respondMinutes !== null && target.hours !== null && target.hours > 0) {
    const skipped = numberOrNull(ticket.respondedSkippedMinutes) ?? 0;
    draft.set('sla_response_met', respondMinutes + skipped <= target.hours * 60, target.origin);
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
  setMemberName(draft, member, 'member');
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
  // Charge codes (leave, internal admin) and activities are not service-desk work.
  draft.set('non_service_desk', typeof chargeType === 'string' && !chargedToTicket, 'chargeToType');
  setCurrency(draft, entry.currency);
  draft.set('client_id', company?.id ?? null, 'company.id');
  draft.set('client_name', company?.name ?? null, 'company.name');
  draft.set('work_type', refOf(entry, 'workType')?.name ?? null, 'workType.name');
  setUpdatedAt(draft, entry, refOf(entry, '_info'));
  return draft;
}

/**
 * CW nests the currency as `{id, symbol, currencyCode, …}` (`currencyIdentifier` is a site label,
 * not ISO). A code that is not three letters is dropped with a warning rather than losing the entry.
 */
function setCurrency(draft: CanonicalDraft, value: unknown): void {
  const code = typeof value === 'string' ? value : asObject(value)?.currencyCode;
  if (!isPresent(code)) return draft.set('currency', null, 'currency.currencyCode');
  if (typeof code === 'string' && /^\s*[A-Za-z]{3}\s*$/.test(code)) return draft.set('currency', code, 'currency.currencyCode');
  draft.set('currency', null, 'currency.currencyCode');
  draft.warnings.push(`currency (currency.currencyCode): ${JSON.stringify(code)} is not an ISO 4217 code; ignored`);
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
