/**
 * Autotask (Datto/Kaseya) REST v1.0 → canonical records.
 * Tickets are `Tickets` query items, time entries are `TimeEntries` query items.
 * Field facts: shared/research/msp-psa-data-and-kpis.md §1.2 and §1.5.
 */
import type { PsaLabels, PsaRates } from '../canonical.js';
import {
  CanonicalDraft,
  asObject,
  dropInstantResponse,
  firstPresent,
  isPresent,
  labelOf,
  numberOrNull,
  reopenCountFrom,
  type MapContext,
  type NativeObject,
} from './draft.js';
import { parseInstant } from '../validate.js';

/** The system status "Complete" (research §1.2, B-Howell `TICKET_STATUS_COMPLETE = 5`). */
export const AT_STATUS_COMPLETE = 5;

/**
 * Name of the ticket user-defined field that holds the reopen count. Autotask has no reopen counter;
 * `userDefinedFields: [{name, value}]` is real, this name is our convention.
 */
export const AT_REOPEN_UDF_NAME = 'Reopen Count';

/**
 * Picklist and reference fields are integers whose labels differ per tenant. A label is taken from,
 * in order: `<field>_label` next to the id (the n8n Autotask node's "Add Picklist Labels" / "Add
 * Reference Labels"), the tenant's labels map (field metadata fetched by the connector, or pushed
 * as `picklists` with the records), else the raw id is kept as text. The id itself is always kept
 * in the stored payload, and as client_id / technician_id for references.
 */
function labelOrId(record: NativeObject, field: string, labels: PsaLabels | undefined): { value: unknown; origin: string } {
  const wanted = `${field}_label`.toLowerCase();
  const labelKey = Object.keys(record).find((key) => key.toLowerCase() === wanted);
  if (labelKey && isPresent(record[labelKey])) return { value: record[labelKey], origin: labelKey };
  const id = record[field];
  const mapped = labelOf(labels, field, id);
  if (mapped !== null) return { value: mapped, origin: `labels.${field}` };
  return { value: typeof id === 'number' ? String(id) : id, origin: field };
}

function setLabel(draft: CanonicalDraft, canonical: string, record: NativeObject, field: string, labels: PsaLabels | undefined): void {
  const { value, origin } = labelOrId(record, field, labels);
  draft.set(canonical, value, origin);
}

function setLabelOnly(draft: CanonicalDraft, canonical: string, record: NativeObject, field: string, labels: PsaLabels | undefined): void {
  const { value, origin } = labelOrId(record, field, labels);
  if (origin !== field) draft.set(canonical, value, origin);
}

export function mapAutotaskTicket(ticket: NativeObject, context: MapContext = {}): CanonicalDraft {
  const draft = new CanonicalDraft();
  const labels = context.labels;
  draft.set('external_id', ticket.id, 'id');
  draft.set('created_at', ticket.createDate, 'createDate');
  draft.set('summary', ticket.title, 'title');
  draft.set('client_id', ticket.companyID, 'companyID');
  setLabelOnly(draft, 'client_name', ticket, 'companyID', labels);
  draft.set('technician_id', ticket.assignedResourceID, 'assignedResourceID');
  setLabelOnly(draft, 'technician_name', ticket, 'assignedResourceID', labels);
  setLabel(draft, 'board', ticket, 'queueID', labels);
  setLabel(draft, 'priority', ticket, 'priority', labels);
  setLabel(draft, 'status', ticket, 'status', labels);
  draft.set('first_response_at', ticket.firstResponseDateTime, 'firstResponseDateTime');
  draft.set('sla_response_due_at', ticket.firstResponseDueDateTime, 'firstResponseDueDateTime');
  // The SLA's resolution due instant; a ticket without an SLA still has its own due date.
  const due = firstPresent(ticket, ['resolvedDueDateTime', 'dueDateTime']);
  draft.set('sla_resolution_due_at', due.value, due.key);
  // lastActivityDate moves with every change (it is what incremental syncs filter on);
  // lastTrackedModificationDateTime often stays at the creation.
  const updated = firstPresent(ticket, ['lastActivityDate', 'lastTrackedModificationDateTime']);
  draft.set('updated_at', updated.value, updated.key);
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
  dropInstantResponse(draft);
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
    const last = firstPresent(ticket, ['lastActivityDate', 'lastTrackedModificationDateTime']);
    draft.set('closed_at', last.value, last.key);
    draft.warnings.push(`closed_at: status is Complete but completedDate is empty; ${last.key} used`);
  }
}

export function mapAutotaskTimeEntry(entry: NativeObject, context: MapContext = {}): CanonicalDraft {
  const draft = new CanonicalDraft();
  draft.set('external_id', entry.id, 'id');
  draft.set('technician_id', entry.resourceID, 'resourceID');
  setLabelOnly(draft, 'technician_name', entry, 'resourceID', context.labels);
  draft.set('work_date', workDateOf(draft, entry.dateWorked), 'dateWorked');
  draft.set('started_at', entry.startDateTime, 'startDateTime');
  draft.set('ended_at', entry.endDateTime, 'endDateTime');
  draft.set('hours_worked', entry.hoursWorked, 'hoursWorked');
  draft.set('hours_billed', entry.hoursToBill, 'hoursToBill');
  draft.set('billable', typeof entry.isNonBillable === 'boolean' ? !entry.isNonBillable : null, 'isNonBillable');
  // Time on a project task (taskID) is not ticket time.
  draft.set('ticket_external_id', entry.ticketID, 'ticketID');
  // Neither a ticket nor a task: regular or internal time (leave, admin, training).
  draft.set('non_service_desk', !isPresent(entry.ticketID) && !isPresent(entry.taskID), 'ticketID/taskID');
  setLabelOnly(draft, 'work_type', entry, 'billingCodeID', context.labels);
  draft.set('updated_at', entry.lastModifiedDateTime, 'lastModifiedDateTime');
  // TimeEntries carry no company (client_id comes from the linked ticket at KPI time) and no rate.
  mapRate(draft, entry, context.rates);
  return draft;
}

/**
 * The rate lives on the role (`Roles.hourlyRate`) and, per contract, on `ContractRates`: the
 * contract's rate for the entry's role wins, else the role's rate, else none (docs/kpis.md says
 * what the billable amount is then).
 */
function mapRate(draft: CanonicalDraft, entry: NativeObject, rates: PsaRates | undefined): void {
  if (!rates || !isPresent(entry.roleID)) return;
  const role = String(entry.roleID);
  const contract = isPresent(entry.contractID) ? String(entry.contractID) : null;
  const contractRates =
    contract !== null && rates.contract_roles && Object.hasOwn(rates.contract_roles, contract) ? rates.contract_roles[contract] : undefined;
  if (contractRates && Object.hasOwn(contractRates, role)) {
    draft.set('hourly_rate', contractRates[role], 'rates.contract_roles[contractID][roleID]');
  } else if (rates.roles && Object.hasOwn(rates.roles, role)) {
    draft.set('hourly_rate', rates.roles[role], 'rates.roles[roleID]');
  }
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
    if (!utc.endsWith('T00:00:00.000Z'))
      draft.warnings.push(`work_date (dateWorked): ${JSON.stringify(text)} is not midnight UTC; its UTC date is used`);
    return utc.slice(0, 10);
  }
  // No offset at all: the written date is the date (a later validation still checks it is real).
  return datePart ?? value;
}
