/**
 * The benchmark's data, made by the project's mock-data generator (src/mockgen, canonical format)
 * and never committed: bench/data/<key>/ is laid out as a MOCK_DATA_PATH folder, so the service can
 * ingest it in mock mode as well as receive it by push.
 *
 *   tenants.json                     the three tenants below (source "canonical")
 *   <large>/tickets.json             `largeTickets` tickets over LARGE_WINDOW (a long history)
 *   <large>/time_entries.json        the technicians' time over the same window
 *   <small>/tickets.json             the large tenant's last ~`smallTickets` tickets: its most
 *   <small>/time_entries.json        recent days, record for record, so that a day measured in
 *                                    both tenants holds the same data and differs only in history
 *   <mid>/tickets.json               a mid-size MSP at the generator's natural volume (tens of
 *   <mid>/time_entries.json          tickets a day, 12 technicians) over MID_WINDOW (> 366 days)
 *
 * The generator's function API is used rather than `mock-data generate` because the benchmark
 * needs one tenant over a multi-year window (the KPI range row needs 366 days of data) and the
 * last-days subset. Files are cached by size and seed; `--regenerate` rebuilds them.
 */
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { generateTenantData } from '../../src/mockgen/generate.js';
import { MOCK_TENANT_PROFILES } from '../../src/mockgen/tenants.js';
import { readJsonArray } from '../../src/ingest/json-array-stream.js';
import { dataRoot, ensureDir, log, now } from './common.js';

export const SEED = 'msp-bench-1';
/** Four years of history ending with the mock data set's own last day. */
export const LARGE_WINDOW = { from: '2022-02-01', to: '2026-01-31' } as const;
/** The day measured by the KPI rows: a Tuesday inside the small tenant's window. */
export const KPI_DAY = '2026-01-27';

const PROFILE = MOCK_TENANT_PROFILES[0]!;
export const LARGE_TENANT = { id: PROFILE.tenant.id, name: 'Bench Large MSP', timezone: PROFILE.tenant.timezone };
export const SMALL_TENANT = { id: '0b3c5d7e-1111-4a2b-8c3d-5e6f7a8b9c0d', name: 'Bench Small MSP', timezone: PROFILE.tenant.timezone };
export const MID_TENANT = { id: '3d4e5f60-3333-4b5c-8d6e-7f8091a2b3c4', name: 'Bench Mid-size MSP', timezone: PROFILE.tenant.timezone };
/** Fourteen months: a 366-day range ending on KPI_DAY lies inside, with a warm backlog. */
export const MID_WINDOW = { from: '2024-12-01', to: '2026-01-31' } as const;

export interface TenantFiles {
  id: string;
  tickets: string;
  timeEntries: string;
  /** Records in the files (valid or not). */
  ticketCount: number;
  timeEntryCount: number;
}

export interface Dataset {
  /** A MOCK_DATA_PATH folder. */
  dir: string;
  large: TenantFiles;
  small: TenantFiles;
  mid: TenantFiles;
  /** First local date of the small tenant's data (every day from it to the window end is complete). */
  smallFrom: string;
}

interface Manifest {
  largeTickets: number;
  smallTickets: number;
  seed: string;
  window: typeof LARGE_WINDOW;
  large: { tickets: number; time_entries: number };
  small: { tickets: number; time_entries: number };
  smallFrom: string;
  generator_ms: number;
}

class ArrayFileWriter {
  private out;
  private first = true;
  count = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(`${path}.partial`);
    this.out.write('[\n');
  }

  async write(record: unknown): Promise<void> {
    const ok = this.out.write(`${this.first ? '' : ',\n'}${JSON.stringify(record)}`);
    this.first = false;
    this.count += 1;
    if (!ok) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    this.out.end('\n]\n');
    await once(this.out, 'finish');
    renameSync(`${this.path}.partial`, this.path);
  }
}

function localDateOf(instant: string, formatter: Intl.DateTimeFormat): string {
  return formatter.format(new Date(instant));
}

function filesOf(dir: string, id: string, counts: { tickets: number; time_entries: number }): TenantFiles {
  return {
    id,
    tickets: join(dir, id, 'tickets.json'),
    timeEntries: join(dir, id, 'time_entries.json'),
    ticketCount: counts.tickets,
    timeEntryCount: counts.time_entries,
  };
}

export async function ensureDataset(largeTickets: number, smallTickets: number, regenerate: boolean): Promise<Dataset> {
  const dir = join(dataRoot, `mock-${largeTickets}-${smallTickets}-${SEED}`);
  const manifestFile = join(dir, 'manifest.json');
  if (!regenerate && existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    log(`data: reusing ${dir} (${manifest.large.tickets} + ${manifest.small.tickets} tickets)`);
    const mid = await ensureMid(dir);
    writeTenants(dir);
    return {
      dir,
      large: filesOf(dir, LARGE_TENANT.id, manifest.large),
      small: filesOf(dir, SMALL_TENANT.id, manifest.small),
      mid,
      smallFrom: manifest.smallFrom,
    };
  }
  rmSync(dir, { recursive: true, force: true });
  ensureDir(join(dir, LARGE_TENANT.id));
  ensureDir(join(dir, SMALL_TENANT.id));
  const t0 = now();
  log(
    `data: generating ${largeTickets.toLocaleString('en-US')} canonical tickets over ${LARGE_WINDOW.from}..${LARGE_WINDOW.to} (seed ${SEED})`,
  );

  const generated = generateTenantData(PROFILE, { seed: SEED, ...LARGE_WINDOW, tickets: largeTickets, format: 'canonical' });
  const formatter = new Intl.DateTimeFormat('en-CA', {
    timeZone: PROFILE.tenant.timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });

  // Tickets come in creation order: keep the creation dates of the last `smallTickets` valid ones.
  const largeTicketsOut = new ArrayFileWriter(join(dir, LARGE_TENANT.id, 'tickets.json'));
  const recent: string[] = new Array<string>(smallTickets);
  let valid = 0;
  for (const { record } of generated.tickets) {
    await largeTicketsOut.write(record);
    const created = (record as { created_at?: unknown }).created_at;
    if (typeof created === 'string' && !Number.isNaN(Date.parse(created))) {
      recent[valid % smallTickets] = created;
      valid += 1;
    }
  }
  await largeTicketsOut.close();
  // The small tenant's first day: the day after the oldest of those tickets, so that every day it
  // holds is complete.
  if (valid < smallTickets) throw new Error(`only ${valid} valid tickets generated; the small tenant needs ${smallTickets}`);
  const oldest = new Date(recent[valid % smallTickets]!);
  const smallFrom = localDateOf(new Date(oldest.getTime() + 86_400_000).toISOString(), formatter);
  if (smallFrom > KPI_DAY) throw new Error(`the small tenant starts on ${smallFrom}, after the KPI day ${KPI_DAY}: raise smallTickets`);
  log(`data: ${largeTicketsOut.count} tickets written in ${((now() - t0) / 1000).toFixed(1)} s; small tenant from ${smallFrom}`);

  const largeEntriesOut = new ArrayFileWriter(join(dir, LARGE_TENANT.id, 'time_entries.json'));
  const smallEntriesOut = new ArrayFileWriter(join(dir, SMALL_TENANT.id, 'time_entries.json'));
  for (const { record } of generated.time_entries) {
    await largeEntriesOut.write(record);
    const workDate = (record as { work_date?: unknown }).work_date;
    if (typeof workDate === 'string' && workDate >= smallFrom) await smallEntriesOut.write(record);
  }
  await largeEntriesOut.close();
  await smallEntriesOut.close();

  // Second pass over the large tenant's tickets (from the file, not the generator: same records).
  const smallTicketsOut = new ArrayFileWriter(join(dir, SMALL_TENANT.id, 'tickets.json'));
  for await (const record of await readJsonArray(join(dir, LARGE_TENANT.id, 'tickets.json'))) {
    const created = (record as { created_at?: unknown }).created_at;
    if (typeof created === 'string' && !Number.isNaN(Date.parse(created)) && localDateOf(created, formatter) >= smallFrom) {
      await smallTicketsOut.write(record);
    }
  }
  await smallTicketsOut.close();

  const mid = await ensureMid(dir);
  writeTenants(dir);
  const manifest: Manifest = {
    largeTickets,
    smallTickets,
    seed: SEED,
    window: LARGE_WINDOW,
    large: { tickets: largeTicketsOut.count, time_entries: largeEntriesOut.count },
    small: { tickets: smallTicketsOut.count, time_entries: smallEntriesOut.count },
    smallFrom,
    generator_ms: Math.round(now() - t0),
  };
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  log(
    `data: done in ${((now() - t0) / 1000).toFixed(1)} s — large ${manifest.large.tickets} tickets / ${manifest.large.time_entries} entries, ` +
      `small ${manifest.small.tickets} tickets / ${manifest.small.time_entries} entries`,
  );
  return {
    dir,
    large: filesOf(dir, LARGE_TENANT.id, manifest.large),
    small: filesOf(dir, SMALL_TENANT.id, manifest.small),
    mid,
    smallFrom,
  };
}

function writeTenants(dir: string): void {
  const tenants = [LARGE_TENANT, SMALL_TENANT, MID_TENANT].map((t) => ({
    id: t.id,
    name: t.name,
    timezone: t.timezone,
    daily_capacity_hours: 8,
    source: 'canonical',
  }));
  writeFileSync(join(dir, 'tenants.json'), `${JSON.stringify(tenants, null, 2)}\n`);
}

/** The mid-size tenant: the generator's natural volume over MID_WINDOW (a few seconds to generate). */
async function ensureMid(dir: string): Promise<TenantFiles> {
  const countsFile = join(dir, MID_TENANT.id, 'counts.json');
  if (existsSync(countsFile))
    return filesOf(dir, MID_TENANT.id, JSON.parse(readFileSync(countsFile, 'utf8')) as { tickets: number; time_entries: number });
  ensureDir(join(dir, MID_TENANT.id));
  const profile = { ...PROFILE, tenant: { ...PROFILE.tenant, id: MID_TENANT.id } };
  const generated = generateTenantData(profile, { seed: SEED, ...MID_WINDOW, format: 'canonical' });
  const tickets = new ArrayFileWriter(join(dir, MID_TENANT.id, 'tickets.json'));
  for (const { record } of generated.tickets) await tickets.write(record);
  await tickets.close();
  const entries = new ArrayFileWriter(join(dir, MID_TENANT.id, 'time_entries.json'));
  for (const { record } of generated.time_entries) await entries.write(record);
  await entries.close();
  const counts = { tickets: tickets.count, time_entries: entries.count };
  writeFileSync(countsFile, `${JSON.stringify(counts)}\n`);
  log(`data: mid-size tenant ${counts.tickets} tickets / ${counts.time_entries} entries over ${MID_WINDOW.from}..${MID_WINDOW.to}`);
  return filesOf(dir, MID_TENANT.id, counts);
}

/** The first `count` records of a file, each serialized alone (the bench builds request bodies from them). */
export async function readRecords(file: string, count: number): Promise<unknown[]> {
  const records: unknown[] = [];
  for await (const record of await readJsonArray(file)) {
    if (records.length >= count) break;
    records.push(record);
  }
  return records;
}
