import type { Database, Queryable } from '../db/database.js';
import {
  ADVANCE_STATE_SQL,
  CREATE_STATE_SQL,
  DELETE_ALL_MONTHS_SQL,
  DELETE_CHANGES_SQL,
  DELETE_MONTHS_SQL,
  INSERT_MONTHS_SQL,
  READ_CHANGES_SQL,
  READ_MONTHS_SQL,
  READ_STATE_SQL,
  TICKET_MONTHS_SQL,
  TIME_ENTRY_MONTHS_SQL,
} from './month-state.sql.js';

/**
 * What an export needs to know of a tenant's fact records, per fact table and local month, without
 * reading its whole history: the month's fingerprint (fact-months.ts compares it with the previous
 * generation's files) and the names each client and technician key has among its records (the
 * dimensions, tables.ts). The last export keeps them in export_months; every write of fact records
 * logs the days it touched in export_changes (migration 013, a trigger in the writing transaction).
 * An export reads both in its snapshot, recomputes only the months the log names (one indexed read
 * per month), and once its generation is published saves them and deletes the log rows it read
 * (saveMonthState). Everything is recomputed — one pass over the tenant's records — on a full export,
 * the first time, or when the time zone or FORMULAS changed.
 *
 * Exact under concurrent writes: a change committed after the snapshot has a log row the export
 * did not read, which stays for the next one; a save is refused when another export saved since
 * this one's snapshot (a snapshot of a lagging replica never overwrites a newer state).
 */

export type Fact = 'tickets' | 'time_entries';
export const FACTS: readonly Fact[] = ['tickets', 'time_entries'];
export type Dimension = 'client' | 'technician';

/** Bump when the month computations (month-state.sql.ts) change what they give for the same records. */
export const FORMULAS = 1;

export interface MonthFingerprint {
  /** `YYYY-MM`. */
  month: string;
  records: number;
  checksum: string;
}

/**
 * A name a key has among some records: [key, name, latest change in µs since the epoch]. The instant
 * stays an int8's text: exact whatever the date (a double is exact only up to 2^53 µs, year 2255).
 */
export type Sighting = [key: string, label: string | null, seen: string];

type MonthSightings = Record<Dimension, Sighting[]>;

interface StoredMonth extends MonthFingerprint {
  fact: Fact;
  sightings: MonthSightings;
}

/** What saveMonthState needs to save what this export computed. */
interface PendingSave {
  tenantId: string;
  timezone: string;
  /** The version read in the snapshot (text: int8), null when the tenant had no state. */
  version: string | null;
  everything: boolean;
  /** The months recomputed per fact (`YYYY-MM`), with those that have records. */
  computed: { fact: Fact; month: string }[];
  stored: StoredMonth[];
  changeIds: string[];
}

export interface MonthState {
  /** Per fact, its months that hold records, in order. */
  months: Record<Fact, MonthFingerprint[]>;
  /** Per dimension, every name of every key among the records that are not deleted (all months). */
  sightings: MonthSightings;
  /** How many months were recomputed, and whether that was every month. */
  recomputed: { months: number; everything: boolean };
  pending: PendingSave | null;
}

interface ComputedRow {
  month: string;
  no_client: number;
  no_technician: number;
  key: string | null;
  label: string | null;
  records: number;
  checksum: string;
  seen: string | null;
}

const MONTH_SQL: Record<Fact, string> = { tickets: TICKET_MONTHS_SQL, time_entries: TIME_ENTRY_MONTHS_SQL };

/** `YYYY-MM-DD` → `YYYY-MM`, `days` days later (negative: earlier). */
function monthOfDay(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 7);
}

function nextMonth(month: string): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return mon === 12 ? `${year + 1}-01` : `${year}-${String(mon + 1).padStart(2, '0')}`;
}

/**
 * The local months a log row may concern: those of its days widened by one day on either side (a
 * UTC date is within a day of the local one in every time zone; a work date is its own).
 */
function monthsOfChange(firstDay: string, lastDay: string): string[] {
  const months: string[] = [];
  for (let month = monthOfDay(firstDay, -1), last = monthOfDay(lastDay, 1); month <= last; month = nextMonth(month)) months.push(month);
  return months;
}

/** Computes the given months of `fact` (all of them: null) in one statement. */
async function computeMonths(
  db: Queryable,
  fact: Fact,
  tenantId: string,
  timezone: string,
  months: string[] | null,
): Promise<StoredMonth[]> {
  const firstDays = months && months.map((month) => `${month}-01`);
  const { rows } = await db.query<ComputedRow>(MONTH_SQL[fact], [tenantId, timezone, firstDays]);
  const byMonth = new Map<string, StoredMonth>();
  const monthOf = (month: string): StoredMonth => {
    let stored = byMonth.get(month);
    if (!stored) byMonth.set(month, (stored = { fact, month, records: 0, checksum: '', sightings: { client: [], technician: [] } }));
    return stored;
  };
  for (const row of rows) {
    const stored = monthOf(row.month);
    if (row.no_client === 0 || row.no_technician === 0) {
      if (row.key !== null && row.seen !== null) {
        stored.sightings[row.no_client === 0 ? 'client' : 'technician'].push([row.key, row.label, row.seen]);
      }
    } else {
      stored.records = row.records;
      stored.checksum = row.checksum;
    }
  }
  return [...byMonth.values()].sort((a, b) => (a.month < b.month ? -1 : 1));
}

/** Per dimension, the latest change of each (key, name) over every month given. */
function mergeSightings(months: readonly StoredMonth[]): MonthSightings {
  const merged: MonthSightings = { client: [], technician: [] };
  for (const dimension of ['client', 'technician'] as const) {
    const latest = new Map<string, Sighting>();
    for (const month of months) {
      for (const sighting of month.sightings[dimension]) {
        const id = JSON.stringify([sighting[0], sighting[1]]);
        const known = latest.get(id);
        if (!known || BigInt(sighting[2]) > BigInt(known[2])) latest.set(id, sighting);
      }
    }
    merged[dimension] = [...latest.values()];
  }
  return merged;
}

/**
 * The tenant's month state as of `db`'s snapshot (on PGlite, where each statement reads the data as
 * it then is, the log is read before any month is computed: a change logged later is not lost).
 * `everything`: recompute every month (a full export).
 */
export async function readMonthState(db: Queryable, tenant: { id: string; timezone: string }, everything: boolean): Promise<MonthState> {
  const state = (await db.query<{ timezone: string; formulas: number; version: string }>(READ_STATE_SQL, [tenant.id])).rows[0];
  const { rows: changes } = await db.query<{ id: string; fact: Fact; first_day: string; last_day: string }>(READ_CHANGES_SQL, [tenant.id]);
  const recomputeAll = everything || !state || state.timezone !== tenant.timezone || state.formulas !== FORMULAS;
  const months = {} as Record<Fact, MonthFingerprint[]>;
  const stored: StoredMonth[] = [];
  const computed: PendingSave['computed'] = [];
  if (recomputeAll) {
    for (const fact of FACTS) {
      const fresh = await computeMonths(db, fact, tenant.id, tenant.timezone, null);
      stored.push(...fresh);
      computed.push(...fresh.map(({ month }) => ({ fact, month })));
    }
  } else {
    const { rows: kept } = await db.query<StoredMonth>(READ_MONTHS_SQL, [tenant.id]);
    for (const fact of FACTS) {
      const dirty = new Set(
        changes.filter((change) => change.fact === fact).flatMap((change) => monthsOfChange(change.first_day, change.last_day)),
      );
      stored.push(...kept.filter((month) => month.fact === fact && !dirty.has(month.month)));
      if (dirty.size === 0) continue;
      const list = [...dirty].sort();
      stored.push(...(await computeMonths(db, fact, tenant.id, tenant.timezone, list)));
      computed.push(...list.map((month) => ({ fact, month })));
    }
  }
  for (const fact of FACTS) {
    months[fact] = stored
      .filter((month) => month.fact === fact)
      .sort((a, b) => (a.month < b.month ? -1 : 1))
      .map(({ month, records, checksum }) => ({ month, records, checksum }));
  }
  const nothingToSave = !recomputeAll && changes.length === 0;
  const recomputedKeys = new Set(computed.map(({ fact, month }) => `${fact} ${month}`));
  return {
    months,
    sightings: mergeSightings(stored),
    recomputed: { months: computed.length, everything: recomputeAll },
    pending: nothingToSave
      ? null
      : {
          tenantId: tenant.id,
          timezone: tenant.timezone,
          version: state?.version ?? null,
          everything: recomputeAll,
          computed,
          stored: stored.filter((month) => recomputedKeys.has(`${month.fact} ${month.month}`)),
          changeIds: changes.map((change) => change.id),
        },
  };
}

/**
 * Saves what readMonthState computed and deletes the log rows it read, on the primary, in one
 * transaction — once the generation made from them is published. False (nothing saved) when another
 * export saved since the snapshot: the log rows then stay, and the next export recomputes those months.
 */
export async function saveMonthState(primary: Database, state: MonthState): Promise<boolean> {
  const pending = state.pending;
  if (!pending) return true;
  return primary.transaction(async (tx) => {
    const { tenantId } = pending;
    const { rows } =
      pending.version === null
        ? await tx.query(CREATE_STATE_SQL, [tenantId, pending.timezone, FORMULAS])
        : await tx.query(ADVANCE_STATE_SQL, [tenantId, pending.timezone, FORMULAS, pending.version]);
    if (rows.length === 0) return false;
    if (pending.changeIds.length > 0) await tx.query(DELETE_CHANGES_SQL, [tenantId, pending.changeIds]);
    if (pending.everything) await tx.query(DELETE_ALL_MONTHS_SQL, [tenantId]);
    else
      await tx.query(DELETE_MONTHS_SQL, [
        tenantId,
        JSON.stringify(pending.computed.map(({ fact, month }) => ({ fact, month: `${month}-01` }))),
      ]);
    const toStore = pending.stored.map(({ fact, month, records, checksum, sightings }) => ({
      fact,
      month: `${month}-01`,
      records,
      checksum,
      sightings,
    }));
    if (toStore.length > 0) await tx.query(INSERT_MONTHS_SQL, [tenantId, JSON.stringify(toStore)]);
    return true;
  });
}
