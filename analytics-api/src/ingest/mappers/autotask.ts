/**
 * Autotask (Datto/Kaseya) REST v1.0 → canonical records.
 * Tickets are `Tickets` query items, time entries are `TimeEntries` query items.
 * Field facts: shared/research/msp-psa-data-and-kpis.md §1.2 and §1.5.
 */
import { CanonicalDraft, asObject, isPresent, numberOrNull, reopenCountFrom, type NativeObject } from './draft.js';
import { parseInstant } from '../validate.js';

/** The system status "Complete" (research §1.2, B-Howell `TICKET_STATUS_COMPLETE = 5`). */
export const AT_STATUS_COMPLETE = 5;

/**
 * Name of the ticket user-defined field that holds the reopen count. Autotask has no reopen counter;
 * `userDefinedFields: [{name, value}]` is real, this name is our convention.
 */
export const AT_REOPEN_UDF_NAME = 'Reopen Count';

/**
 * Picklist and reference fields are integers whose labels differ per tenant. The n8n Autotask node
 * can add `<field>_label` next to them ("Add Picklist Labels" / "Add Reference Labels"); when such a
 * label is there it is used, otherwise the raw id is kept as text.
 */
function labelOrId(record: NativeObject, field: string): { value: unknown; origin: string } {
  const wanted = `${field}_label`.toLowerCase();
  const labelKey = Object.keys(record).find((key) => key.toLowerCase() === wanted);
  if (labelKey && isPresent(record[labelKey])) return { value: record[labelKey], origin: labelKey };
  const id = record[field];
  return { value: typeof id === 'number' ? String(id) : id, origin: field };
}

function setLabel(draft: CanonicalDraft, canonical: string, record: NativeObject, field: string): void {
  const { value, origin } = labelOrId(record, field);
  draft.set(canonical, value, origin);
}

function setLabelOnly(draft: CanonicalDraft, canonical: string, record: NativeObject, field: string): void {
  const { value, origin } = labelOrId(record, field);
  if (origin !== field) draft.set(canonical, value, origin);
}

export function mapAutotaskTicket(ticket: NativeObject): CanonicalDraft {
  const draft = new CanonicalDraft();
  draft.set('external_id', ticket.id, 'id');
  draft.set('created_at', ticket.createDate, 'createDate');
  draft.set('summary', ticket.title, 'title');
  draft.set('client_id', ticket.companyID, 'companyID');
  setLabelOnly(draft, 'client_name', ticket, 'companyID');
  draft.set('technician_id', ticket.assignedResourceID, 'assignedResourceID');
  setLabelOnly(draft, 'technician_name', ticket, 'assignedResourceID');
  setLabel(draft, 'board', ticket, 'queueID');
  setLabel(draft, 'priority', ticket, 'priority');
  setLabel(draft, 'status', ticket, 'status');
  draft.set('first_response_at', ticket.firstResponseDateTime, 'firstResponseDateTime');
  draft.set('sla_response_due_at', ticket.firstResponseDueDateTime, 'firstResponseDueDateTime');
  draft.set('sla_resolution_due_at', ticket.resolvedDueDateTime, 'resolvedDueDateTime');
  const updated = isPresent(ticket.lastTrackedModificationDateTime) ? 'lastTrackedModificationDateTime' : 'lastActivityDate';
  draft.set('updated_at', ticket[updated], updated);
  mapClosure(draft, ticket);
  // serviceLevelAgreementHasBeenMet is false or null on open tickets (research §3.3: open is not
  // breached), so it only becomes a verdict once the ticket is complete. Autotask has no separate
  // response verdict: the response side is judged from firstResponseDueDateTime.
  if (draft.values.closed_at && typeof ticket.serviceLevelAgreementHasBeenMet === 'boolean') {
    draft.set('sla_resolution_met', ticket.serviceLevelAgreementHasBeenMet, 'serviceLevelAgreementHasBeenMet');
  }
  const udf = Array.isArray(ticket.userDefinedFields)
    ? ticket.userDefinedFields.map(asObject).find((f) => f?.name === AT_REOPEN_UDF_NAME)
    : undefined;
  if (udf) reopenCountFrom(draft, udf.value, `userDefinedFields["${AT_REOPEN_UDF_NAME}"]`);
  return draft;
}

/**
 * Status 5 (Complete) closes a ticket at `completedDate` (else `resolvedDateTime`). Any other status
 * means open, even when an earlier completion left a completedDate behind (a reopened ticket).
 */
function mapClosure(draft: CanonicalDraft, ticket: NativeObject): void {
  const status = numberOrNull(ticket.status);
  const closeField = isPresent(ticket.completedDate) ? 'completedDate' : 'resolvedDateTime';
  if (status === null) {
    // No status in the payload (a trimmed column selection): the completion date alone decides.
    draft.set('closed_at', ticket[closeField] ?? null, closeField);
  } else if (status !== AT_STATUS_COMPLETE) {
    draft.set('closed_at', null, 'status');
  } else if (isPresent(ticket[closeField])) {
    draft.set('closed_at', ticket[closeField], closeField);
  } else {
    draft.set('closed_at', ticket.lastTrackedModificationDateTime ?? null, 'lastTrackedModificationDateTime');
    draft.warnings.push('closed_at: status is Complete but completedDate is empty; lastTrackedModificationDateTime used');
  }
}

export function mapAutotaskTimeEntry(entry: NativeObject): CanonicalDraft {
  const draft = new CanonicalDraft();
  draft.set('external_id', entry.id, 'id');
  draft.set('technician_id', entry.resourceID, 'resourceID');
  setLabelOnly(draft, 'technician_name', entry, 'resourceID');
  draft.set('work_date', workDateOf(draft, entry.dateWorked), 'dateWorked');
  draft.set('started_at', entry.startDateTime, 'startDateTime');
  draft.set('ended_at', entry.endDateTime, 'endDateTime');
  draft.set('hours_worked', entry.hoursWorked, 'hoursWorked');
  draft.set('hours_billed', entry.hoursToBill, 'hoursToBill');
  draft.set('billable', typeof entry.isNonBillable === 'boolean' ? !entry.isNonBillable : null, 'isNonBillable');
  // Time on a project task (taskID) is not ticket time.
  draft.set('ticket_external_id', entry.ticketID, 'ticketID');
  setLabelOnly(draft, 'work_type', entry, 'billingCodeID');
  draft.set('updated_at', entry.lastModifiedDateTime, 'lastModifiedDateTime');
  // TimeEntries carry no company and no rate (rates live on roles and contracts): client_id comes
  // from the linked ticket at KPI time and hourly_rate stays empty.
  return draft;
}

/**
 * `dateWorked` is a calendar date that Autotask encodes as midnight UTC ("2026-01-24T00:00:00Z").
 * Its date must never be moved by a timezone. A value re-expressed with an offset (the n8n node
 * converts instants to the user's zone, e.g. "2026-01-23T19:00:00-05:00") is turned back into UTC
 * first, which recovers the date Autotask meant.
 */
function workDateOf(draft: CanonicalDraft, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  const withOffset = parseInstant(text);
  const datePart = /^(\d{4}-\d{2}-\d{2})T/.exec(text)?.[1];
  if ('ms' in withOffset) {
    const utc = new Date(withOffset.ms).toISOString();
    if (!utc.endsWith('T00:00:00.000Z')) draft.warnings.push(`work_date (dateWorked): ${JSON.stringify(text)} is not midnight UTC; its UTC date is used`);
    return utc.slice(0, 10);
  }
  // No offset at all: the written date is the date (a later validation still checks it is real).
  return datePart ?? value;
}
