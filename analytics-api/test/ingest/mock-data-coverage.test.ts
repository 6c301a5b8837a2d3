/**
 * The committed mock data is what issue 3 asks for: three PSAs in native shapes, two months with
 * activity every day (2026-01-24 included), a mid-size MSP's volume, real quirks, and a few invalid
 * records that ingestion rejects, and only those.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalTicket, CanonicalTimeEntry, Entity, PsaSource } from '../../src/ingest/canonical.js';
import { mockFilePath, readJsonArray } from '../../src/ingest/json-array-stream.js';
import { mapRecord } from '../../src/ingest/mappers/index.js';
import type { MockDataManifest } from '../../src/mockgen/index.js';

const dir = fileURLToPath(new URL('../../mock-data', import.meta.url));
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as MockDataManifest;
const tenants = JSON.parse(readFileSync(join(dir, 'tenants.json'), 'utf8')) as {
  id: string;
  name: string;
  timezone: string;
  daily_capacity_hours: number;
  source: PsaSource;
}[];

interface Loaded {
  raw: Record<string, unknown>[];
  tickets: CanonicalTicket[];
  entries: CanonicalTimeEntry[];
  rejected: number[];
  warned: number[];
  reasons: string[];
}

const data = new Map<string, Record<Entity, Loaded>>();

async function load(tenantId: string, source: PsaSource, entity: Entity): Promise<Loaded> {
  const loaded: Loaded = { raw: [], tickets: [], entries: [], rejected: [], warned: [], reasons: [] };
  let index = 0;
  for await (const raw of await readJsonArray(mockFilePath(dir, tenantId, entity).absolute)) {
    loaded.raw.push(raw as Record<string, unknown>);
    const result = mapRecord(source, entity, raw);
    if (!result.ok) {
      loaded.rejected.push(index);
      loaded.reasons.push(...result.reasons);
    } else {
      if (result.warnings.length > 0) loaded.warned.push(index);
      if (entity === 'tickets') loaded.tickets.push(result.record as CanonicalTicket);
      else loaded.entries.push(result.record as CanonicalTimeEntry);
    }
    index += 1;
  }
  return loaded;
}

beforeAll(async () => {
  for (const tenant of tenants) {
    data.set(tenant.id, {
      tickets: await load(tenant.id, tenant.source, 'tickets'),
      time_entries: await load(tenant.id, tenant.source, 'time_entries'),
    });
  }
}, 60_000);

const formatters = new Map<string, Intl.DateTimeFormat>();
function localDate(instant: string, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, format);
  }
  return format.format(new Date(instant));
}

function windowDates(): string[] {
  const dates: string[] = [];
  for (let d = Date.UTC(2025, 11, 1); d <= Date.UTC(2026, 0, 31); d += 86_400_000) dates.push(new Date(d).toISOString().slice(0, 10));
  return dates;
}

const isWeekday = (date: string) => ![0, 6].includes(new Date(`${date}T12:00:00Z`).getUTCDay());

describe('tenants.json', () => {
  it('lists the plan tenant and one tenant per PSA, each in its own time zone, one far from UTC', () => {
    expect(tenants.length).toBeGreaterThanOrEqual(3);
    expect(tenants.map((t) => t.id)).toContain('550e8400-e29b-41d4-a716-446655440000');
    expect(new Set(tenants.map((t) => t.source))).toEqual(new Set(['connectwise', 'autotask', 'halopsa']));
    expect(new Set(tenants.map((t) => t.timezone)).size).toBe(tenants.length);
    const offsetHours = (tz: string) =>
      (Date.parse(new Date('2026-01-24T12:00:00Z').toLocaleString('en-US', { timeZone: tz })) -
        Date.parse(new Date('2026-01-24T12:00:00Z').toLocaleString('en-US', { timeZone: 'UTC' }))) /
      3_600_000;
    expect(Math.max(...tenants.map((t) => Math.abs(offsetHours(t.timezone))))).toBeGreaterThanOrEqual(10);
    for (const t of tenants) expect(t.daily_capacity_hours).toBeGreaterThan(0);
  });

  it('matches the manifest', () => {
    expect(manifest.tenants.map((t) => t.tenant)).toEqual(tenants);
  });
});

describe('size', () => {
  it('stays small enough to commit (about 6 MB at most)', () => {
    const files = manifest.tenants.flatMap((t) => [t.tickets.file, t.time_entries.file]);
    const total = files.reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
    expect(total).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});

describe.each(tenants.map((t) => [t.source, t] as const))('%s tenant', (_source, tenant) => {
  const get = () => data.get(tenant.id)!;
  const files = () => manifest.tenants.find((t) => t.tenant.id === tenant.id)!;

  it('rejects exactly the records broken on purpose (a few, each with a reason naming a field)', () => {
    for (const entity of ['tickets', 'time_entries'] as const) {
      const loaded = get()[entity];
      const expected = files()[entity].rejects.map((r) => r.index);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length / loaded.raw.length).toBeLessThan(0.015);
      expect(loaded.rejected).toEqual(expected);
      for (const reason of loaded.reasons) expect(reason).toMatch(/^[a-z_]+ \([^)]+\)(?: or [a-z_]+ \([^)]+\))?: /);
    }
  });

  it('warns exactly on the records that are odd on purpose', () => {
    expect(get().tickets.warned).toEqual(files().tickets.warnings.map((w) => w.index));
    expect(get().time_entries.warned).toEqual([]);
  });

  it('has tickets and time entries on every local day of the window, 2026-01-24 included', () => {
    const ticketDays = new Set(get().tickets.tickets.map((t) => localDate(t.created_at, tenant.timezone)));
    const entryDays = new Set(get().time_entries.entries.map((e) => e.work_date ?? localDate(e.started_at!, tenant.timezone)));
    for (const date of windowDates()) {
      expect(ticketDays.has(date), `tickets on ${date}`).toBe(true);
      expect(entryDays.has(date), `time entries on ${date}`).toBe(true);
    }
    const entryDates = [...entryDays].sort();
    expect([entryDates[0], entryDates[entryDates.length - 1]]).toEqual(['2025-12-01', '2026-01-31']);
  });

  it('has a mid-size MSP volume: tens of tickets per weekday, fewer at weekends', () => {
    const perDay = new Map<string, number>();
    for (const t of get().tickets.tickets) {
      const date = localDate(t.created_at, tenant.timezone);
      perDay.set(date, (perDay.get(date) ?? 0) + 1);
    }
    const dates = windowDates();
    const mean = (days: string[]) => days.reduce((sum, d) => sum + (perDay.get(d) ?? 0), 0) / days.length;
    const weekdayMean = mean(dates.filter(isWeekday));
    expect(weekdayMean).toBeGreaterThanOrEqual(15);
    expect(weekdayMean).toBeLessThanOrEqual(60);
    expect(mean(dates.filter((d) => !isWeekday(d)))).toBeLessThan(weekdayMean / 3);
  });

  it('has 8–15 technicians logging most of their capacity on workdays, and 8–25 clients', () => {
    const entries = get().time_entries.entries;
    expect(new Set(entries.map((e) => e.technician_id)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(entries.map((e) => e.technician_id)).size).toBeLessThanOrEqual(15);
    const perTechDay = new Map<string, number>();
    for (const e of entries) {
      const date = e.work_date ?? localDate(e.started_at!, tenant.timezone);
      if (!isWeekday(date) || date.endsWith('12-25') || date.endsWith('01-01')) continue;
      const key = `${e.technician_id} ${date}`;
      perTechDay.set(key, (perTechDay.get(key) ?? 0) + e.hours_worked);
    }
    const hours = [...perTechDay.values()].sort((a, b) => a - b);
    expect(hours[Math.floor(hours.length / 2)]).toBeGreaterThanOrEqual(0.75 * tenant.daily_capacity_hours);
    expect(hours[hours.length - 1]).toBeLessThanOrEqual(12);
    const clients = new Set(get().tickets.tickets.map((t) => t.client_id));
    expect(clients.size).toBeGreaterThanOrEqual(8);
    expect(clients.size).toBeLessThanOrEqual(26); // + HaloPSA's internal ticket on the MSP itself
  });

  it('has realistic lifecycles: responses within hours, closes within days, some open, some reopened', () => {
    const tickets = get().tickets.tickets;
    const minutes = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 60_000;
    const responses = tickets
      .filter((t) => t.first_response_at)
      .map((t) => minutes(t.created_at, t.first_response_at!))
      .sort((a, b) => a - b);
    const closes = tickets
      .filter((t) => t.closed_at)
      .map((t) => minutes(t.created_at, t.closed_at!) / 60)
      .sort((a, b) => a - b);
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
    expect(median(responses)).toBeGreaterThan(5);
    expect(median(responses)).toBeLessThan(6 * 60);
    expect(median(closes)).toBeGreaterThan(1);
    expect(median(closes)).toBeLessThan(7 * 24);
    expect(tickets.filter((t) => t.closed_at === null).length).toBeGreaterThan(10);
    expect(tickets.filter((t) => (t.reopen_count ?? 0) > 0).length).toBeGreaterThan(10);
    expect(tickets.some((t) => (t.reopen_count ?? 0) > 1)).toBe(true);
  });

  it('mixes SLA verdicts, due dates only, and no SLA', () => {
    const tickets = get().tickets.tickets;
    const withVerdict = tickets.filter((t) => t.sla_response_met !== null || t.sla_resolution_met !== null);
    const dueOnly = tickets.filter(
      (t) => t.sla_response_met === null && t.sla_resolution_met === null && (t.sla_response_due_at || t.sla_resolution_due_at),
    );
    const none = tickets.filter(
      (t) => !t.sla_response_due_at && !t.sla_resolution_due_at && t.sla_response_met === null && t.sla_resolution_met === null,
    );
    for (const group of [withVerdict, dueOnly, none]) expect(group.length).toBeGreaterThan(tickets.length * 0.05);
    expect(withVerdict.some((t) => t.sla_resolution_met === false || t.sla_response_met === false)).toBe(true);
  });

  it('links time to tickets that are in the tickets file', () => {
    const ids = new Set(get().tickets.tickets.map((t) => t.external_id));
    const links = get()
      .time_entries.entries.map((e) => e.ticket_external_id)
      .filter((id): id is string => id !== null && id !== undefined);
    expect(links.length).toBeGreaterThan(get().time_entries.entries.length / 2);
    // Only links to tickets broken on purpose may dangle: rejected ones, or ones whose id was removed.
    const rejectedIds = new Set(
      get()
        .tickets.rejected.map((i) => get().tickets.raw[i]!.id)
        .filter((id) => id !== undefined)
        .map(String),
    );
    const unexplained = new Set(links.filter((id) => !ids.has(id) && !rejectedIds.has(id)));
    const idsRemoved = files().tickets.rejects.filter((r) => r.kind === 'missing-id').length;
    expect(unexplained.size).toBeLessThanOrEqual(idsRemoved);
  });

  it('has billable and non-billable time, mostly billable', () => {
    const entries = get().time_entries.entries;
    const total = entries.reduce((s, e) => s + e.hours_worked, 0);
    const billable = entries.filter((e) => e.billable).reduce((s, e) => s + e.hours_worked, 0);
    expect(billable / total).toBeGreaterThan(0.5);
    expect(billable / total).toBeLessThan(0.85);
  });
});

describe('native quirks present in the data', () => {
  const rawOf = (source: PsaSource, entity: Entity) => data.get(tenants.find((t) => t.source === source)!.id)![entity].raw;

  it('ConnectWise: all four billableOption values, open and closed flags, resolved-but-not-closed, isInSla without SLA', () => {
    const entries = rawOf('connectwise', 'time_entries');
    expect(new Set(entries.map((e) => e.billableOption))).toEqual(new Set(['Billable', 'DoNotBill', 'NoCharge', 'NoDefault']));
    const tickets = rawOf('connectwise', 'tickets');
    expect(new Set(tickets.map((t) => t.closedFlag))).toEqual(new Set([true, false]));
    expect(tickets.some((t) => t.closedFlag === false && t.dateResolved)).toBe(true);
    expect(tickets.some((t) => !t.sla && t.isInSla === false)).toBe(true);
    expect(entries.some((e) => e.chargeToType === 'ChargeCode')).toBe(true);
  });

  it('Autotask: dateWorked at midnight UTC, never shifted, even when the work began the UTC day before', () => {
    const raw = rawOf('autotask', 'time_entries');
    const valid = raw.filter((_, i) => !data.get(tenants.find((t) => t.source === 'autotask')!.id)!.time_entries.rejected.includes(i));
    for (const e of valid) expect(e.dateWorked).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
    const crossing = valid.filter(
      (e) => typeof e.startDateTime === 'string' && e.startDateTime.slice(0, 10) !== (e.dateWorked as string).slice(0, 10),
    );
    expect(crossing.length).toBeGreaterThan(0);
    const mapped = crossing.map((e) => mapRecord('autotask', 'time_entries', e));
    for (const [i, result] of mapped.entries()) {
      expect(result.ok && (result.record as CanonicalTimeEntry).work_date).toBe((crossing[i]!.dateWorked as string).slice(0, 10));
    }
    expect(valid.some((e) => e.startDateTime === null)).toBe(true);
    expect(rawOf('autotask', 'tickets').some((t) => t.status !== 5 && t.serviceLevelAgreementHasBeenMet === false)).toBe(true);
  });

  it('HaloPSA: null sentinels, seven-digit fractions, missing Z, SLA states I and O, per-ticket action ids', () => {
    const tickets = rawOf('halopsa', 'tickets');
    const text = JSON.stringify(tickets);
    for (const sentinel of ['0001-01-01T00:00:00', '1900-01-01T00:00:00', '1899-12-30T00:00:00']) expect(text).toContain(`"${sentinel}"`);
    expect(tickets.some((t) => /\.\d{7}Z$/.test(String(t.dateoccurred)))).toBe(true);
    expect(tickets.some((t) => /\.\d{7}$/.test(String(t.last_update)))).toBe(true);
    expect(new Set(tickets.map((t) => t.slastate))).toEqual(new Set(['I', 'O', '', undefined]));
    const actions = rawOf('halopsa', 'time_entries');
    expect(new Set(actions.map((a) => a.id)).size).toBeLessThan(actions.length / 5);
  });
});
