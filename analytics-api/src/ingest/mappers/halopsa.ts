/**
 * HaloPSA REST (`/api`) → canonical records.
 * Tickets are `Tickets` list items (swagger `Faults_List`), time entries are `Actions` that carry
 * time (`timetaken`, hours). Field facts: shared/research/msp-psa-data-and-kpis.md §1.3 and §1.5.
 */
import type { PsaLabels } from '../canonical.js';
import {
  CanonicalDraft,
  asObject,
  dropInstantResponse,
  firstPresent,
  isPresent,
  labelOf,
  numberOrNull,
  refOf,
  reopenCountFrom,
  type MapContext,
  type NativeObject,
} from './draft.js';

/**
 * Name of the ticket custom field that holds the reopen count. HaloPSA has no reopen counter;
 * `customfields: [{id, name, value}]` is real, the name `CFReopenCount` is our convention.
 */
export const HALO_REOPEN_FIELD_NAME = 'CFReopenCount';

/** Dates Halo returns instead of null ("never"): 0001-01-01, 1900-01-01 and 1899-12-30. */
const NULL_SENTINEL = /^(0001-01-01|1900-01-01|1899-12-30)(T|$)/;
/** A date-time with no offset and no Z. Halo stores UTC, so such values are UTC. */
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/;

/**
 * Normalises a Halo date-time: sentinels become null, a missing Z is added. The seven-digit
 * fraction is left to validation, which truncates it to milliseconds. Anything else (a number, a
 * garbled string) is passed on unchanged so that validation rejects it with its field name.
 */
export function haloInstant(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  const text = value.trim();
  if (text === '' || NULL_SENTINEL.test(text)) return null;
  return NO_OFFSET.test(text) ? `${text}Z` : text;
}

/** Halo SLA states: 'I' = in (met), 'O' = out (breached); anything else has no verdict. */
function slaVerdict(state: unknown): boolean | null {
  if (state === 'I') return true;
  if (state === 'O') return false;
  return null;
}

/** Halo uses 0 (and sometimes -1) for "no agent". */
function agentId(value: unknown): unknown {
  return typeof value === 'number' && value <= 0 ? null : value;
}

/**
 * Halo's built-in "Unassigned" agent. Tickets nobody took are assigned to it (a ticket type's
 * `default_agent` is 1 with `default_agent_name` "Unassigned"), so it is no technician.
 */
const HALO_UNASSIGNED_AGENT_ID = 1;
const UNASSIGNED_NAME = /^\s*unassigned\s*$/i;

/**
 * The ticket's technician: `agent_id` with `agent_name` (list shape), else the name from the
 * labels map, else the ticket type's default agent name when the ids match (single shape). An
 * agent named "Unassigned", or agent 1 without any other name, is none.
 */
function mapTechnician(draft: CanonicalDraft, ticket: NativeObject, labels: PsaLabels | undefined): void {
  const id = agentId(ticket.agent_id);
  const type = refOf(ticket, 'tickettype');
  let name: { value: unknown; origin: string } = { value: ticket.agent_name, origin: 'agent_name' };
  if (!isPresent(name.value)) {
    const label = labelOf(labels, 'agent_id', id);
    if (label !== null) name = { value: label, origin: 'labels.agent_id' };
    else if (type && isPresent(type.default_agent_name) && numberOrNull(type.default_agent) === numberOrNull(id)) {
      name = { value: type.default_agent_name, origin: 'tickettype.default_agent_name' };
    }
  }
  const unassigned =
    id === null ||
    (typeof name.value === 'string' && UNASSIGNED_NAME.test(name.value)) ||
    (numberOrNull(id) === HALO_UNASSIGNED_AGENT_ID && !isPresent(name.value));
  draft.set('technician_id', unassigned ? null : id, 'agent_id');
  draft.set('technician_name', unassigned ? null : (name.value ?? null), name.origin);
}

/** A label from the list shape's `<x>_name`, else the labels map for `<x>_id`, else the id as text. */
function nameOrLabel(draft: CanonicalDraft, canonical: string, ticket: NativeObject, prefix: string, labels: PsaLabels | undefined): void {
  const nameKey = `${prefix}_name`;
  const idKey = `${prefix}_id`;
  if (isPresent(ticket[nameKey])) return draft.set(canonical, ticket[nameKey], nameKey);
  const label = labelOf(labels, idKey, ticket[idKey]);
  if (label !== null) return draft.set(canonical, label, `labels.${idKey}`);
  draft.set(canonical, numberText(ticket[idKey]), idKey);
}

/**
 * Both ticket shapes: the list item of `GET /api/Tickets` (with `status_name`, `agent_name`,
 * `responsedate`, `slastate`…) and the single ticket of `GET /api/Tickets/{id}` / `POST
 * /api/Tickets`, which has ids only (status through the labels map), a nested `priority`, and
 * `flastupdate` where the list has `last_update`.
 */
export function mapHaloTicket(ticket: NativeObject, context: MapContext = {}): CanonicalDraft {
  const draft = new CanonicalDraft();
  const labels = context.labels;
  draft.set('external_id', ticket.id, 'id');
  // `datecreated` is a row stamp that often falls after the close; `dateoccurred` is the open time.
  if (isPresent(ticket.dateoccurred)) {
    draft.set('created_at', haloInstant(ticket.dateoccurred), 'dateoccurred');
  } else {
    draft.set('created_at', haloInstant(ticket.datecreated), 'datecreated');
    if (isPresent(ticket.datecreated)) draft.warnings.push('created_at: dateoccurred is empty; datecreated used');
  }
  draft.set('summary', ticket.summary, 'summary');
  draft.set('client_id', ticket.client_id, 'client_id');
  if (isPresent(ticket.client_name)) draft.set('client_name', ticket.client_name, 'client_name');
  else draft.set('client_name', labelOf(labels, 'client_id', ticket.client_id), 'labels.client_id');
  mapTechnician(draft, ticket, labels);
  draft.set('board', ticket.team, 'team');
  mapPriority(draft, ticket, labels);
  nameOrLabel(draft, 'status', ticket, 'status', labels);
  draft.set('first_response_at', haloInstant(ticket.responsedate), 'responsedate');
  // Open means no close date, or a sentinel (research §1.3); the status is not reliable for this.
  draft.set('closed_at', haloInstant(ticket.dateclosed), 'dateclosed');
  const updated = firstPresent(ticket, ['last_update', 'flastupdate', 'lastactiondate']);
  draft.set('updated_at', haloInstant(updated.value), updated.key);
  if (ticket.excludefromsla !== true) {
    draft.set('sla_response_due_at', haloInstant(ticket.respondbydate), 'respondbydate');
    draft.set('sla_resolution_due_at', haloInstant(ticket.fixbydate), 'fixbydate');
    if (draft.values.first_response_at) draft.set('sla_response_met', slaVerdict(ticket.slaresponsestate), 'slaresponsestate');
    if (draft.values.closed_at) draft.set('sla_resolution_met', slaVerdict(ticket.slastate), 'slastate');
  }
  const field = Array.isArray(ticket.customfields)
    ? ticket.customfields.map(asObject).find((f) => f?.name === HALO_REOPEN_FIELD_NAME)
    : undefined;
  if (field) reopenCountFrom(draft, field.value, `customfields["${HALO_REOPEN_FIELD_NAME}"]`);
  dropInstantResponse(draft);
  return draft;
}

function numberText(value: unknown): unknown {
  return typeof value === 'number' ? String(value) : value;
}

/** List items carry `priority_name`; single-ticket responses nest it as `priority.name`. */
function mapPriority(draft: CanonicalDraft, ticket: NativeObject, labels: PsaLabels | undefined): void {
  if (isPresent(ticket.priority_name)) draft.set('priority', ticket.priority_name, 'priority_name');
  else if (isPresent(refOf(ticket, 'priority')?.name)) draft.set('priority', refOf(ticket, 'priority')?.name, 'priority.name');
  else nameOrLabel(draft, 'priority', ticket, 'priority', labels);
}

export function mapHaloAction(action: NativeObject): CanonicalDraft {
  const draft = new CanonicalDraft();
  // Action ids are numbered per ticket (1, 2, 3… on every ticket), so the id alone is not unique.
  const idsUsable = isPresent(action.ticket_id) && isPresent(action.id);
  draft.set('external_id', idsUsable ? `${String(action.ticket_id)}:${String(action.id)}` : null, 'ticket_id:id');
  draft.set('ticket_external_id', action.ticket_id, 'ticket_id');
  draft.set('technician_id', agentId(action.who_agentid), 'who_agentid');
  draft.set('technician_name', action.who, 'who');
  mapWhen(draft, action);
  mapTimeTaken(draft, action);
  mapCharging(draft, action);
  draft.set('work_type', action.outcome, 'outcome');
  draft.set('updated_at', haloInstant(action.last_updated), 'last_updated');
  return draft;
}

/** Hours per day for an action that logs its time in days only (ticket types with "log time in days"). */
const HALO_HOURS_PER_DAY = 8;

/**
 * The worked hours: `timetaken`, else `timetakenadjusted` (what real action feeds carry), else
 * `timetakendays` × 8 with a warning. An action that logs no time at all (system actions, notes,
 * e-mails: `who_agentid` 0, every counter 0) and charges none is no time entry: it is skipped.
 */
function mapTimeTaken(draft: CanonicalDraft, action: NativeObject): void {
  const hours = numberOrNull(action.timetaken);
  const adjusted = numberOrNull(action.timetakenadjusted);
  const days = numberOrNull(action.timetakendays);
  const charged = numberOrNull(action.actionchargehours);
  // A non-zero timetaken, even a bad one, is used as is: validation rejects what is out of range.
  if (hours !== null && hours !== 0) return draft.set('hours_worked', hours, 'timetaken');
  if (adjusted !== null && adjusted > 0) return draft.set('hours_worked', adjusted, 'timetakenadjusted');
  if (days !== null && days > 0) {
    draft.warnings.push(`hours_worked: only timetakendays is set; converted at ${HALO_HOURS_PER_DAY} hours per day`);
    return draft.set('hours_worked', Math.round(days * HALO_HOURS_PER_DAY * 10_000) / 10_000, 'timetakendays');
  }
  if (charged !== null && charged > 0) return draft.set('hours_worked', 0, 'timetaken');
  draft.set('hours_worked', action.timetaken, 'timetaken');
  // Only an identifiable action is skipped; one without ids is rejected by validation as before.
  const identified = isPresent(action.ticket_id) && isPresent(action.id);
  if (identified && (hours === 0 || !isPresent(action.timetaken))) {
    draft.skip('the action logs no time (timetaken, timetakenadjusted and timetakendays are empty or 0): not a time entry');
  }
}

/**
 * When the work happened: `datetime` (the action's "when", which agents backdate), else the arrival
 * date, else the creation stamp, the order the Halo report library uses (research §1.3).
 */
function mapWhen(draft: CanonicalDraft, action: NativeObject): void {
  const candidates = ['datetime', 'actionarrivaldate', 'actiondatecreated'] as const;
  const used = candidates.find((key) => haloInstant(action[key]) !== null) ?? 'datetime';
  draft.set('started_at', haloInstant(action[used]), used);
  draft.set('ended_at', haloInstant(action.actioncompletiondate), 'actioncompletiondate');
}

/**
 * Billable is decided by the charge rate (research §0.7 and §1.3): a positive `chargerate` id is a
 * charged rate, 0 or -1 means no charge. `actisbillable` over-counts and is only a fallback when
 * the charge rate is missing. `actionchargehours` is often empty: then hours_billed stays null and
 * the KPI falls back to the worked hours. The hourly rate is the charged amount per charged hour.
 */
function mapCharging(draft: CanonicalDraft, action: NativeObject): void {
  const chargeRate = numberOrNull(action.chargerate);
  if (chargeRate !== null) {
    draft.set('billable', chargeRate > 0, 'chargerate');
  } else if (typeof action.actisbillable === 'boolean') {
    draft.set('billable', action.actisbillable, 'actisbillable');
    draft.warnings.push('billable: chargerate is empty; actisbillable used (it over-counts billable time)');
  } else {
    draft.set('billable', null, 'chargerate');
  }
  const chargeHours = numberOrNull(action.actionchargehours);
  const chargeAmount = numberOrNull(action.actionchargeamount);
  if (draft.values.billable === true && chargeHours !== null && chargeHours > 0) {
    draft.set('hours_billed', chargeHours, 'actionchargehours');
    if (chargeAmount !== null && chargeAmount >= 0) {
      draft.set('hourly_rate', Math.round((chargeAmount / chargeHours) * 10_000) / 10_000, 'actionchargeamount / actionchargehours');
    }
  }
}
