import { SimServer, SimTable, sortBy, type SimAnswer, type SimRequest } from './sim-server.js';

/**
 * Simulated ConnectWise PSA REST 3.0: `/service/tickets` and `/time/entries` with Basic auth
 * ("company+public:private") and the clientId header, `conditions` (the subset the connector sends:
 * comparisons of lastUpdated and id joined by and/or with parentheses, dates in brackets),
 * `orderBy`, `page` from 1, `pageSize` capped at 1000. Records are served as stored (native shape).
 */
export type CwRecord = Record<string, unknown> & { id: number; _info?: { lastUpdated?: string } };

export const CW_CREDENTIALS = { company: 'northwind', public_key: 'pubKEY123', private_key: 'privSECRET456', client_id: 'c1d2e3f4-client' };
const PATHS: Record<string, 'tickets' | 'time_entries'> = { '/service/tickets': 'tickets', '/time/entries': 'time_entries' };

/** lastUpdated as ms, parsed once per record version (the bench serves 200,000 records). */
const parsed = new WeakMap<object, { text: string | undefined; ms: number }>();
export function updatedMs(r: CwRecord): number {
  const text = r._info?.lastUpdated;
  const hit = parsed.get(r);
  if (hit && hit.text === text) return hit.ms;
  const ms = Date.parse(text ?? '');
  parsed.set(r, { text, ms });
  return ms;
}

const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export class ConnectWiseSim extends SimServer {
  readonly tables = { tickets: new SimTable<CwRecord>((r) => String(r.id)), time_entries: new SimTable<CwRecord>((r) => String(r.id)) };
  /** Served pages get these extra malformed records once (a page of unexpected shape). */
  malformedOnce: unknown[] = [];
  /** Records in (lastUpdated, id) order, rebuilt after a change: the bench serves 200,000. */
  private sorted: Partial<Record<'tickets' | 'time_entries', CwRecord[]>> = {};

  load(entity: 'tickets' | 'time_entries', records: CwRecord[]): this {
    this.sorted = {};
    for (const r of records) this.tables[entity].put(structuredClone(r));
    const latest = records.reduce((max, r) => Math.max(max, Date.parse(r._info?.lastUpdated ?? '1970-01-01T00:00:00Z')), 0);
    if (latest + 60_000 > this.now) this.now = latest + 60_000;
    return this;
  }

  /** A change in the PSA: the record's summary (or notes) and its lastUpdated move. */
  change(entity: 'tickets' | 'time_entries', key: string): void {
    const record = this.tables[entity].live.get(key);
    if (!record) return;
    this.sorted = {};
    this.tick();
    if (entity === 'tickets') record.summary = `${String(record.summary ?? '').slice(0, 60)} (edit ${this.now})`;
    else record.notes = `edited ${this.now}`;
    record._info = { ...record._info, lastUpdated: isoSeconds(this.now) };
  }

  add(entity: 'tickets' | 'time_entries'): string {
    const table = this.tables[entity];
    const template = table.values()[0] ?? [...table.deleted].pop()?.record;
    if (!template) throw new Error('nothing to copy');
    const id = Math.max(0, ...table.values().map((r) => r.id), ...table.deleted.map((d) => d.record.id)) + 1;
    this.sorted = {};
    this.tick();
    table.put({ ...structuredClone(template), id, _info: { ...template._info, lastUpdated: isoSeconds(this.now) } });
    return String(id);
  }

  remove(entity: 'tickets' | 'time_entries', key: string): void {
    this.sorted = {};
    this.tables[entity].remove(key, this.tick());
  }

  handle(request: SimRequest): SimAnswer {
    const expected = `Basic ${Buffer.from(`${CW_CREDENTIALS.company}+${CW_CREDENTIALS.public_key}:${CW_CREDENTIALS.private_key}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return { status: 401, body: { code: 'Unauthorized', message: 'bad credentials' } };
    if (request.headers.clientid !== CW_CREDENTIALS.client_id)
      return { status: 401, body: { code: 'Unauthorized', message: 'clientId missing or unknown' } };
    const entity = PATHS[request.url.pathname];
    if (!entity || request.method !== 'GET') return { status: 404, body: { code: 'NotFound' } };
    const q = request.url.searchParams;
    const pageSize = Math.min(Number(q.get('pageSize') ?? 25), 1000);
    const page = Number(q.get('page') ?? 1);
    if (!Number.isInteger(pageSize) || pageSize < 1 || !Number.isInteger(page) || page < 1)
      return { status: 400, body: { code: 'InvalidObject', message: 'page/pageSize' } };
    const orderBy = q.get('orderBy');
    if (orderBy && orderBy !== 'lastUpdated asc, id asc')
      return { status: 400, body: { code: 'InvalidObject', message: `orderBy ${orderBy} not simulated` } };
    let ordered: CwRecord[];
    if (orderBy) {
      // Rebuilt after a change through this class, or when a test changed the table directly.
      const cached = this.sorted[entity];
      ordered =
        cached && cached.length === this.tables[entity].live.size
          ? cached
          : (this.sorted[entity] = this.tables[entity].values().sort((a, b) => updatedMs(a) - updatedMs(b) || a.id - b.id));
    } else {
      ordered = sortBy(this.tables[entity].values(), (r) => r.id);
    }
    let predicate: (r: CwRecord) => boolean = () => true;
    let from = 0;
    const conditions = q.get('conditions');
    if (conditions) {
      try {
        const parsed = parseConditions(conditions);
        predicate = parsed;
        // In (lastUpdated, id) order, no record before the first one at minUpdatedMs can match.
        if (orderBy) from = firstAtOrAfter(ordered, parsed.minUpdatedMs);
      } catch (error) {
        return { status: 400, body: { code: 'InvalidObject', message: (error as Error).message } };
      }
    }
    // Only as many matches as the page needs.
    const records: CwRecord[] = [];
    for (let index = from; index < ordered.length; index += 1) {
      const r = ordered[index]!;
      if (predicate(r)) records.push(r);
      if (records.length >= page * pageSize) break;
    }
    const body: unknown[] = records.slice((page - 1) * pageSize, page * pageSize);
    if (this.malformedOnce.length > 0 && body.length > 0) {
      body.splice(Math.floor(body.length / 2), 0, ...this.malformedOnce);
      this.malformedOnce = [];
    }
    // Serialized before onPage may change records: the page shows them as they were when it was read.
    // (A structured clone of each record did the same at twice the cost, in the bench's own process.)
    const json = JSON.stringify(body);
    this.onPage?.();
    return { status: 200, json };
  }
}

/**
 * A parsed `conditions` text: the test, and `minUpdatedMs`, a lastUpdated below which no record can
 * match (−∞ when the conditions do not bound it). The server starts its scan of the records in
 * (lastUpdated, id) order there instead of at the first record, as a database would with an index:
 * otherwise every keyset page rescans every record before it, and a 200,000-record sync measures the
 * simulator's quadratic scan rather than the connector.
 */
export interface ParsedConditions {
  (r: CwRecord): boolean;
  minUpdatedMs: number;
}

type Node = { test: (r: CwRecord) => boolean; lb: number };

/** The index of the first record whose lastUpdated is at or after `ms` in a list sorted by it. */
function firstAtOrAfter(ordered: readonly CwRecord[], ms: number): number {
  if (ms === -Infinity) return 0;
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (updatedMs(ordered[mid]!) < ms) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** conditions := or-of-ands of `field op value` and parenthesised groups (the subset the connector sends). */
export function parseConditions(text: string): ParsedConditions {
  const tokens = text.match(/\(|\)|\[[^\]]*\]|>=|<=|!=|=|>|<|"[^"]*"|[\w/.]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const value = (token: string | undefined): number | string => {
    if (!token) throw new Error('condition ends early');
    if (token.startsWith('[')) {
      const ms = Date.parse(token.slice(1, -1));
      if (Number.isNaN(ms)) throw new Error(`bad date ${token}`);
      return ms;
    }
    if (/^\d+$/.test(token)) return Number(token);
    if (token.startsWith('"')) return token.slice(1, -1);
    throw new Error(`bad value ${token}`);
  };
  const field =
    (name: string) =>
    (r: CwRecord): number | string | undefined => {
      if (name === 'lastUpdated' || name === '_info/lastUpdated') return updatedMs(r);
      if (name === 'id') return r.id;
      throw new Error(`condition field ${name} not simulated`);
    };
  const term = (): Node => {
    if (peek() === '(') {
      next();
      const inner = or();
      if (next() !== ')') throw new Error('missing )');
      return inner;
    }
    const name = next();
    const op = next();
    const v = value(next());
    if (!name || !op) throw new Error('condition ends early');
    const get = field(name);
    const cmp: Record<string, (a: number | string, b: number | string) => boolean> = {
      '>': (a, b) => a > b,
      '>=': (a, b) => a >= b,
      '<': (a, b) => a < b,
      '<=': (a, b) => a <= b,
      '=': (a, b) => a === b,
      '!=': (a, b) => a !== b,
    };
    const compare = cmp[op];
    if (!compare) throw new Error(`operator ${op}`);
    const updatedBound = (name === 'lastUpdated' || name === '_info/lastUpdated') && ['>', '>=', '='].includes(op) && typeof v === 'number';
    return {
      test: (r) => {
        const a = get(r);
        return a !== undefined && !Number.isNaN(a) && compare(a, v);
      },
      lb: updatedBound ? v : -Infinity,
    };
  };
  const and = (): Node => {
    const parts = [term()];
    while (peek()?.toLowerCase() === 'and') {
      next();
      parts.push(term());
    }
    // Every part must hold: the tightest bound of any part holds for the whole.
    return { test: (r) => parts.every((p) => p.test(r)), lb: Math.max(...parts.map((p) => p.lb)) };
  };
  const or = (): Node => {
    const parts = [and()];
    while (peek()?.toLowerCase() === 'or') {
      next();
      parts.push(and());
    }
    // Any part may hold: only the loosest bound holds for the whole.
    return { test: (r) => parts.some((p) => p.test(r)), lb: Math.min(...parts.map((p) => p.lb)) };
  };
  const root = or();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]}`);
  return Object.assign((r: CwRecord) => root.test(r), { minUpdatedMs: root.lb });
}
