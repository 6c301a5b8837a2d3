/**
 * HaloPSA REST (`/api`) → canonical records.
 * Tickets are `Tickets` list items (swagger `Faults_List`), time entries are `Actions` that carry
 * time (`timetaken`, hours). Field facts: shared/research/msp-psa-data-and-kpis.md §1.3 and §1.5.
 */
import { CanonicalDraft, asObject, isPresent, numberOrNull, refOf, reopenCountFrom, type NativeObject } from './draft.js';

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

export function mapHaloTicket(ticket: NativeObject): CanonicalDraft {
  const draft = new CanonicalDraft();
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
  draft.set('client_name', ticket.client_name, 'client_name');
  draft.set('technician_id', agentId(ticket.agent_id), 'agent_id');
  draft.set('technician_name', agentId(ticket.agent_id) === null ? null : ticket.agent_name, 'agent_name');
  draft.set('board', ticket.team, 'team');
  mapPriority(draft, ticket);
  draft.set('status', isPresent(ticket.status_name) ? ticket.status_name : numberText(ticket.status_id), 'status_name');
  draft.set('first_response_at', haloInstant(ticket.responsedate), 'responsedate');
  // Open means no close date, or a sentinel (research §1.3); the status is not reliable for this.
  draft.set('closed_at', haloInstant(ticket.dateclosed), 'dateclosed');
  draft.set('updated_at', haloInstant(ticket.last_update), 'last_update');
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
  return draft;
}

function numberText(value: unknown): unknown {
  return typeof value === 'number' ? String(value) : value;
}

/** List items carry `priority_name`; single-ticket responses nest it as `priority.name`. */
function mapPriority(draft: CanonicalDraft, ticket: NativeObject): void {
  if (isPresent(ticket.priority_name)) draft.set('priority', ticket.priority_name, 'priority_name');
  else if (isPresent(refOf(ticket, 'priority')?.name)) draft.set('priority', refOf(ticket, 'priority')?.name, 'priority.name');
  else draft.set('priority', numberText(ticket.priority_id), 'priority_id');
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
  draft.set('hours_worked', action.timetaken, 'timetaken');
  mapCharging(draft, action);
  draft.set('work_type', action.outcome, 'outcome');
  draft.set('updated_at', haloInstant(action.last_updated), 'last_updated');
  return draft;
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
