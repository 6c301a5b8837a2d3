/** Canonical records (contract.md § Canonical records): what every PSA mapper produces. */

export type Entity = 'tickets' | 'time_entries';
export const ENTITIES: readonly Entity[] = ['tickets', 'time_entries'];

export type PsaSource = 'connectwise' | 'autotask' | 'halopsa';
export type Source = 'canonical' | PsaSource;

export const SOURCES: readonly Source[] = ['canonical', 'connectwise', 'autotask', 'halopsa'];

/** Instants are RFC 3339 strings with an offset or Z; dates are YYYY-MM-DD. */
export interface CanonicalTicket {
  external_id: string;
  created_at: string;
  summary?: string | null;
  client_id?: string | null;
  client_name?: string | null;
  technician_id?: string | null;
  technician_name?: string | null;
  board?: string | null;
  priority?: string | null;
  status?: string | null;
  first_response_at?: string | null;
  closed_at?: string | null;
  sla_response_due_at?: string | null;
  sla_resolution_due_at?: string | null;
  sla_response_met?: boolean | null;
  sla_resolution_met?: boolean | null;
  reopen_count?: number;
  updated_at?: string | null;
}

export interface CanonicalTimeEntry {
  external_id: string;
  technician_id: string;
  hours_worked: number;
  billable: boolean;
  started_at?: string | null;
  work_date?: string | null;
  ended_at?: string | null;
  technician_name?: string | null;
  ticket_external_id?: string | null;
  client_id?: string | null;
  client_name?: string | null;
  hours_billed?: number | null;
  hourly_rate?: number | null;
  work_type?: string | null;
  updated_at?: string | null;
  /**
   * True for time that is not service-desk work: charged to a charge code (leave, internal admin)
   * or an activity instead of a ticket or project task. Stored, left out of the KPIs. Default false.
   */
  non_service_desk?: boolean;
  /** ISO 4217 code of `hourly_rate` as the PSA gives it (e.g. "ISK"); null when the PSA does not say. */
  currency?: string | null;
}

/**
 * Labels of picklist values and references, per native field name: `{ status: { "5": "Complete" },
 * queueID: { "29683354": "Service Desk" }, companyID: { "0": "Acme" } }`. Autotask (and Halo's
 * single-ticket shape) send integers where a label belongs; the labels come from the PSA's field
 * metadata (connectors) or are pushed alongside the records (`picklists` in the body).
 */
export type PsaLabels = { [nativeFieldName: string]: { [rawValue: string]: string } };

/**
 * Hourly rates a PSA keeps apart from its time entries (Autotask: `Roles.hourlyRate` and
 * `ContractRates.contractHourlyRate`), keyed by role id, and by contract id then role id.
 */
export interface PsaRates {
  roles?: { [roleId: string]: number };
  contract_roles?: { [contractId: string]: { [roleId: string]: number } };
}
