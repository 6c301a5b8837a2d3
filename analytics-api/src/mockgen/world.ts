/**
 * The fixed cast of one mock tenant for one generation run: technicians, clients, and how many
 * tickets arrive on each day. Everything here is drawn from the 'world' and 'volume' streams, so
 * it is identical whichever file is being written.
 */
import type { Rng } from './prng.js';
import { createRng } from './prng.js';
import type { TenantProfile } from './tenants.js';
import { identifierOf } from './tenants.js';
import { addDays, datesBetween, dayOfWeek } from './zone-clock.js';

export interface SimTechnician {
  index: number;
  name: string;
  /** Lower-case login, e.g. "jcarter" (ConnectWise member identifier). */
  login: string;
  /** Local minute of day the technician usually starts (07:30–09:00). */
  startMinute: number;
  /** Share of capacity the technician actually logs (0.84–0.97): "most of the day". */
  diligence: number;
  /** Relative share of new tickets assigned to them. */
  load: number;
}

export interface SimClient {
  index: number;
  name: string;
  identifier: string;
  /** Relative ticket volume: a few big clients, many small ones. */
  size: number;
  hourlyRate: number;
  /** Share of ticket time covered by a managed-services agreement (not billed hourly). */
  coveredShare: number;
}

/** Days before `from` whose tickets are simulated so that the window starts with a real backlog. */
export const WARMUP_DAYS = 30;

export interface GenerationWindow {
  from: string;
  to: string;
}

export interface World {
  technicians: SimTechnician[];
  clients: SimClient[];
  /** Tickets created on each local date, warm-up days included. */
  ticketsPerDay: Map<string, number>;
  /** Tickets created inside the window (the `--tickets` figure). */
  windowTickets: number;
}

export type DayKind = 'workday' | 'quiet' | 'weekend' | 'holiday';

/**
 * Christmas and New Year's Day are holidays everywhere these MSPs work; the days around are quiet.
 * 'weekend' is any day outside the tenant's workdays.
 */
export function dayKind(date: string, workdays: readonly number[]): DayKind {
  const monthDay = date.slice(5);
  if (monthDay === '12-25' || monthDay === '01-01') return 'holiday';
  if (!workdays.includes(dayOfWeek(date) || 7)) return 'weekend';
  if (monthDay === '12-24' || monthDay === '12-26' || monthDay === '12-31') return 'quiet';
  return 'workday';
}

/** Whether the whole desk works on that date (ordinary and quiet workdays). */
export function isStaffed(kind: DayKind): boolean {
  return kind === 'workday' || kind === 'quiet';
}

/** Expected share of an ordinary weekday's tickets arriving on that date. */
function volumeFactor(date: string, workdays: readonly number[]): number {
  switch (dayKind(date, workdays)) {
    case 'holiday':
      return 0.12;
    case 'weekend':
      return dayOfWeek(date) === 6 ? 0.14 : 0.1;
    case 'quiet':
      return 0.5;
    default:
      return [0.85, 1.15, 1.05, 1, 1, 0.85, 0.85][dayOfWeek(date)]!;
  }
}

function numbered(pool: readonly string[], index: number): string {
  const base = pool[index % pool.length]!;
  const round = Math.floor(index / pool.length);
  return round === 0 ? base : `${base} ${round + 1}`;
}

function loginOf(name: string): string {
  const words = name.split(' ');
  const suffix = /^\d+$/.test(words[words.length - 1] ?? '') ? words.pop() : '';
  const first = identifierOf(words[0] ?? '');
  const last = identifierOf(words.slice(1).join(''));
  return `${first.charAt(0)}${last}${suffix ?? ''}`.toLowerCase();
}

function buildTechnicians(count: number, profile: TenantProfile, rng: Rng): SimTechnician[] {
  return Array.from({ length: count }, (_, index) => {
    const name = numbered(profile.technicianNames, index);
    return {
      index,
      name,
      login: loginOf(name),
      startMinute: 450 + 15 * rng.int(0, 6),
      diligence: rng.between(0.84, 0.97),
      load: rng.between(0.6, 1.4),
    };
  });
}

function buildClients(count: number, profile: TenantProfile, rng: Rng): SimClient[] {
  const [low, high] = profile.rateRange;
  return Array.from({ length: count }, (_, index) => {
    const name = numbered(profile.clientNames, index);
    return {
      index,
      name,
      identifier: identifierOf(name),
      size: rng.logNormal(1, 0.8),
      hourlyRate: 5 * Math.round(rng.between(low, high) / 5),
      coveredShare: rng.between(0.05, 0.3),
    };
  });
}

/**
 * Spreads `total` tickets over the dates in proportion to their weights, exactly (largest
 * remainder), so that `--tickets N` yields N tickets in the window.
 */
function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let missing = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (missing <= 0) break;
    counts[index]! += 1;
    missing -= 1;
  }
  return counts;
}

export function buildWorld(profile: TenantProfile, seed: string, window: GenerationWindow, requestedTickets?: number): World {
  const volumeRng = createRng(seed, profile.tenant.id, 'volume');
  const warmup = datesBetween(addDays(window.from, -WARMUP_DAYS), addDays(window.from, -1));
  const inWindow = datesBetween(window.from, window.to);
  const weightOf = (date: string) => volumeFactor(date, profile.workdays) * Math.max(0.4, 1 + 0.12 * volumeRng.normal());
  const warmupWeights = warmup.map(weightOf);
  const windowWeights = inWindow.map(weightOf);
  const naturalTotal = Math.round(profile.ticketsPerWeekday * windowWeights.reduce((a, b) => a + b, 0));
  const windowTickets = requestedTickets ?? naturalTotal;
  const perWeight =
    windowTickets /
    Math.max(
      1e-9,
      windowWeights.reduce((a, b) => a + b, 0),
    );

  const ticketsPerDay = new Map<string, number>();
  warmup.forEach((date, i) => ticketsPerDay.set(date, Math.round(perWeight * warmupWeights[i]!)));
  allocate(windowTickets, windowWeights).forEach((count, i) => ticketsPerDay.set(inWindow[i]!, count));

  // Bigger runs need proportionally more people and customers to stay realistic per head.
  const scale = Math.max(1, windowTickets / Math.max(1, naturalTotal));
  const worldRng = createRng(seed, profile.tenant.id, 'world');
  const technicians = buildTechnicians(Math.round(profile.technicians * scale), profile, worldRng);
  const clients = buildClients(Math.round(profile.clientNames.length * Math.pow(scale, 0.7)), profile, worldRng);
  return { technicians, clients, ticketsPerDay, windowTickets };
}
