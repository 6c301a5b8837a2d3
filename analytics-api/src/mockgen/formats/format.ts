/**
 * What a renderer does: turn PSA-neutral simulated records into one PSA's JSON shape, and break a
 * rendered record on purpose (the few invalid records ingestion must reject with a reason).
 */
import type { Rng } from '../prng.js';
import type { TenantSimulation } from '../simulation.js';
import type { SimTicket } from '../ticket-flow.js';
import type { SimTimeEntry } from '../work-days.js';

export type JsonObject = Record<string, unknown>;

/** Deliberate defects; each must make ingestion reject the record with a reason naming the field. */
export const TICKET_DEFECTS = ['missing-id', 'unparseable-created', 'missing-created'] as const;
export const TIME_ENTRY_DEFECTS = ['missing-id', 'negative-hours', 'hours-over-24', 'unparseable-date', 'missing-technician'] as const;
export type TicketDefect = (typeof TICKET_DEFECTS)[number];
export type TimeEntryDefect = (typeof TIME_ENTRY_DEFECTS)[number];

export interface RecordFormat {
  /** Records that precede the simulated tickets (HaloPSA's internal ticket). */
  leadingTickets(sim: TenantSimulation, rng: Rng): JsonObject[];
  ticket(ticket: SimTicket, rng: Rng, sim: TenantSimulation): JsonObject;
  timeEntry(entry: SimTimeEntry, rng: Rng, sim: TenantSimulation): JsonObject;
  breakTicket(record: JsonObject, defect: TicketDefect, rng: Rng): void;
  breakTimeEntry(record: JsonObject, defect: TimeEntryDefect, rng: Rng): void;
}

/** Dates that no parser should accept: impossible days, hours, or no ISO shape at all. */
export const GARBLED_DATES = [
  '2026-02-30T10:00:00Z',
  '2026-01-24T25:61:00Z',
  '24/01/2026 09:15',
  'yesterday',
  '2026-13-01T08:00:00Z',
] as const;

/** `2026-01-24T14:05:00Z` (ConnectWise style: whole seconds). */
export function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** `2026-01-24T14:05:00.000Z` (Autotask REST style). */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * HaloPSA style: seven fractional digits (.NET ticks), with or without the Z that some Halo fields
 * omit. The digits below the millisecond come from the record's own random stream.
 */
export function haloTicks(ms: number, rng: Rng, withZ = true): string {
  const base = new Date(ms).toISOString().slice(0, 23);
  const ticks = String(rng.int(0, 9999)).padStart(4, '0');
  return `${base}${ticks}${withZ ? 'Z' : ''}`;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
