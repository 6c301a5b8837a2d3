/**
 * The generator's function API: the records of one mock tenant, lazily, in its PSA's native shape
 * (or canonical). Nothing is held in memory beyond the simulation's working set, so the same
 * iterables feed the committed set and million-ticket benchmark files.
 */
import type { Entity } from '../ingest/canonical.js';
import type { JsonObject, RecordFormat, TicketDefect, TimeEntryDefect } from './formats/format.js';
import { TICKET_DEFECTS, TIME_ENTRY_DEFECTS } from './formats/format.js';
import { autotaskFormat } from './formats/autotask.js';
import { canonicalFormat } from './formats/canonical.js';
import { connectWiseFormat } from './formats/connectwise.js';
import { haloFormat } from './formats/halopsa.js';
import { createRng } from './prng.js';
import { TenantSimulation } from './simulation.js';
import type { TenantProfile } from './tenants.js';

export type OutputFormat = 'native' | 'canonical';

export interface GenerateOptions {
  /** Any string or number; the committed set uses DEFAULT_OPTIONS.seed. */
  seed?: string | number;
  /** First and last local date with activity, `YYYY-MM-DD`, both included. */
  from?: string;
  to?: string;
  /** Tickets created in the window, per tenant. Default: the tenant's natural volume. */
  tickets?: number;
  format?: OutputFormat;
}

export const DEFAULT_OPTIONS = { seed: '20260124', from: '2025-12-01', to: '2026-01-31', format: 'native' } as const;

/** Share of records broken on purpose (≈0.5%, the brief's "a few invalid records per file"). */
export const DEFECT_RATE = 0.005;

export interface GeneratedRecord {
  record: JsonObject;
  /** Set when the record was broken on purpose: ingestion must reject it. */
  defect: TicketDefect | TimeEntryDefect | null;
  /**
   * Set when the record is valid but odd on purpose: ingestion must accept it with a warning. A
   * ticket closed on creation has its first response at the creation, which the PSA mappers take
   * for no response with a warning (docs/psa-mapping.md); canonical records keep it as sent.
   */
  expectedWarning: 'closed-before-created' | 'response-at-creation' | null;
}

export interface TenantRecords {
  tickets: Iterable<GeneratedRecord>;
  time_entries: Iterable<GeneratedRecord>;
}

function formatFor(profile: TenantProfile, format: OutputFormat): RecordFormat {
  if (format === 'canonical') return canonicalFormat;
  switch (profile.tenant.source) {
    case 'connectwise':
      return connectWiseFormat;
    case 'autotask':
      return autotaskFormat;
    case 'halopsa':
      return haloFormat;
  }
}

/** Options with defaults applied and checked; throws a plain Error naming the bad option. */
export interface ResolvedOptions {
  seed: string;
  from: string;
  to: string;
  format: OutputFormat;
  tickets?: number;
}

export function resolveOptions(options: GenerateOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = {
    seed: String(options.seed ?? DEFAULT_OPTIONS.seed),
    from: options.from ?? DEFAULT_OPTIONS.from,
    to: options.to ?? DEFAULT_OPTIONS.to,
    format: options.format ?? DEFAULT_OPTIONS.format,
    ...(options.tickets === undefined ? {} : { tickets: options.tickets }),
  };
  for (const key of ['from', 'to'] as const) {
    const value = resolved[key];
    const parsed = Date.parse(`${value}T00:00:00Z`);
    // Date.parse accepts 2026-02-30 (rolling into March), hence the round trip.
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== value) {
      throw new Error(`${key} must be a date YYYY-MM-DD, got "${value}"`);
    }
  }
  if (resolved.from > resolved.to) throw new Error(`from (${resolved.from}) is after to (${resolved.to})`);
  if (resolved.tickets !== undefined && (!Number.isSafeInteger(resolved.tickets) || resolved.tickets < 0)) {
    throw new Error(`tickets must be a whole number >= 0, got ${resolved.tickets}`);
  }
  if (resolved.format !== 'native' && resolved.format !== 'canonical')
    throw new Error(`format must be native or canonical, got "${resolved.format}"`);
  return resolved;
}

/** Decides, from the record's position alone, whether and how it is broken. */
function defectAt<T extends string>(seed: string, tenantId: string, entity: Entity, index: number, defects: readonly T[]): T | null {
  const rng = createRng(seed, tenantId, 'defect', entity, index);
  return rng.float() < DEFECT_RATE ? rng.pick(defects) : null;
}

export function generateTenantData(profile: TenantProfile, options: GenerateOptions = {}): TenantRecords {
  const resolved = resolveOptions(options);
  const { seed } = resolved;
  const tenantId = profile.tenant.id;
  const format = formatFor(profile, resolved.format);
  const simulation = () => new TenantSimulation(profile, resolved);
  const renderRng = (entity: Entity, key: number) => createRng(seed, tenantId, 'render', entity, key);

  function* tickets(): Generator<GeneratedRecord> {
    const sim = simulation();
    let index = 0;
    const emit = (record: JsonObject, expectedWarning: GeneratedRecord['expectedWarning']): GeneratedRecord => {
      const defect = defectAt(seed, tenantId, 'tickets', index, TICKET_DEFECTS);
      if (defect) format.breakTicket(record, defect, createRng(seed, tenantId, 'break', 'tickets', index));
      index += 1;
      return { record, defect, expectedWarning: defect ? null : expectedWarning };
    };
    for (const record of format.leadingTickets(sim, renderRng('tickets', -1))) yield emit(record, null);
    for (const ticket of sim.tickets()) {
      const record = format.ticket(ticket, renderRng('tickets', ticket.seq), sim);
      const atCreation = ticket.quirk === 'closed-on-creation' && resolved.format === 'native';
      yield emit(record, ticket.quirk === 'closed-before-created' ? 'closed-before-created' : atCreation ? 'response-at-creation' : null);
    }
  }

  function* timeEntries(): Generator<GeneratedRecord> {
    const sim = simulation();
    for (const entry of sim.timeEntries()) {
      const record = format.timeEntry(entry, renderRng('time_entries', entry.seq), sim);
      const defect = defectAt(seed, tenantId, 'time_entries', entry.seq, TIME_ENTRY_DEFECTS);
      if (defect) format.breakTimeEntry(record, defect, createRng(seed, tenantId, 'break', 'time_entries', entry.seq));
      yield { record, defect, expectedWarning: null };
    }
  }

  return { tickets: { [Symbol.iterator]: tickets }, time_entries: { [Symbol.iterator]: timeEntries } };
}
