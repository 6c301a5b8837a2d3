import { SimServer, SimTable, sortBy, type SimAnswer, type SimRequest } from './sim-server.js';

/**
 * Simulated Autotask REST v1.0: the zone lookup, `POST {Entity}/query` with `filter` (ops gt, gte,
 * lt, eq, exist, and the or/and groups), `MaxRecords` capped at 500, results in id order, and
 * `pageDetails.nextPageUrl`, which must be POSTed with the same body. Auth headers
 * ApiIntegrationCode, UserName, Secret. Tickets, TimeEntries, DeletedTicketLogs,
 * DeletedTaskActivityLogs and `Tickets/entityInformation/fields` (status and priority picklists).
 */
export type AtRecord = Record<string, unknown> & { id: number };

export const AT_CREDENTIALS = { username: 'api@rivegauche.example', secret: 'S3cr3t-AT', integration_code: 'INTCODE123' };
const ENTITIES: Record<string, 'tickets' | 'time_entries'> = { Tickets: 'tickets', TimeEntries: 'time_entries' };
const CHANGE_FIELDS = { tickets: ['lastActivityDate', 'lastTrackedModificationDateTime'], time_entries: ['lastModifiedDateTime'] };
const MAX_RECORDS = 500;

export class AutotaskSim extends SimServer {
  readonly tables = { tickets: new SimTable<AtRecord>((r) => String(r.id)), time_entries: new SimTable<AtRecord>((r) => String(r.id)) };
  statusLabels: Record<number, string> = { 1: 'New', 5: 'Complete', 8: 'In Progress' };
  private pagings = new Map<string, { body: string; lastId: number }>();

  load(entity: 'tickets' | 'time_entries', records: AtRecord[]): this {
    for (const r of records) this.tables[entity].put(structuredClone(r));
    for (const r of records)
      for (const f of CHANGE_FIELDS[entity])
        if (typeof r[f] === 'string') this.now = Math.max(this.now, Date.parse(r[f] as string) + 60_000);
    return this;
  }

  change(entity: 'tickets' | 'time_entries', key: string): void {
    const record = this.tables[entity].live.get(key);
    if (!record) return;
    const at = new Date(this.tick()).toISOString();
    if (entity === 'tickets') {
      record.title = `${String(record.title ?? '').slice(0, 60)} (edit ${this.now})`;
      record.lastTrackedModificationDateTime = at;
      record.lastActivityDate = at;
    } else {
      record.summaryNotes = `edited ${this.now}`;
      record.lastModifiedDateTime = at;
    }
  }

  add(entity: 'tickets' | 'time_entries'): string {
    const table = this.tables[entity];
    const template = table.values()[0] ?? [...table.deleted].pop()?.record;
    if (!template) throw new Error('nothing to copy');
    const id = Math.max(0, ...table.values().map((r) => r.id), ...table.deleted.map((d) => d.record.id)) + 1;
    table.put({ ...structuredClone(template), id });
    this.change(entity, String(id));
    return String(id);
  }

  remove(entity: 'tickets' | 'time_entries', key: string): void {
    this.tables[entity].remove(key, this.tick());
  }

  handle(request: SimRequest): SimAnswer {
    const path = request.url.pathname.replace(/^\/v1\.0/i, '');
    if (path === '/zoneInformation') return { status: 200, body: { zoneName: 'Simulated', url: `${this.baseUrl}/`, webUrl: this.baseUrl } };
    const h = request.headers;
    if (
      h.apiintegrationcode !== AT_CREDENTIALS.integration_code ||
      h.username !== AT_CREDENTIALS.username ||
      h.secret !== AT_CREDENTIALS.secret
    ) {
      return { status: 401, body: { errors: ['Unauthorized'] } };
    }
    if (request.method === 'GET' && path === '/Tickets/entityInformation/fields') {
      return {
        status: 200,
        body: {
          fields: [
            { name: 'id', isPickList: false },
            {
              name: 'status',
              isPickList: true,
              picklistValues: Object.entries(this.statusLabels).map(([value, label]) => ({ value, label, isActive: true })),
            },
            {
              name: 'priority',
              isPickList: true,
              picklistValues: [1, 2, 3, 4].map((v) => ({
                value: String(v),
                label: ['Critical', 'High', 'Medium', 'Low'][v - 1],
                isActive: true,
              })),
            },
          ],
        },
      };
    }
    if (request.method === 'GET' && path === '/TimeEntries/entityInformation/fields') {
      return { status: 200, body: { fields: [{ name: 'id', isPickList: false }] } };
    }
    const next = /^\/([A-Za-z]+)\/query\/next$/.exec(path);
    const first = /^\/([A-Za-z]+)\/query$/.exec(path);
    if (request.method !== 'POST' || (!next && !first)) return { status: 404, body: { errors: ['not found'] } };
    let body: { filter?: unknown[]; MaxRecords?: number };
    try {
      body = JSON.parse(request.body) as typeof body;
    } catch {
      return { status: 400, body: { errors: ['body is not JSON'] } };
    }
    if (!Array.isArray(body.filter) || body.filter.length === 0) return { status: 400, body: { errors: ['filter is required'] } };
    let afterId = -Infinity;
    if (next) {
      const paging = this.pagings.get(request.url.searchParams.get('paging') ?? '');
      if (!paging) return { status: 400, body: { errors: ['unknown paging token'] } };
      if (paging.body !== request.body) return { status: 400, body: { errors: ['nextPageUrl must be POSTed with the same body'] } };
      afterId = paging.lastId;
    }
    const name = (next ?? first)![1]!;
    let records: AtRecord[];
    if (name === 'DeletedTicketLogs')
      records = this.tables.tickets.deleted.map((d, i) => ({
        id: i + 1,
        ticketID: d.record.id,
        deletedDateTime: new Date(d.at).toISOString(),
      }));
    else if (name === 'DeletedTaskActivityLogs')
      records = this.tables.time_entries.deleted.map((d, i) => ({
        id: i + 1,
        timeEntryID: d.record.id,
        deletedDateTime: new Date(d.at).toISOString(),
      }));
    else if (ENTITIES[name]) records = this.tables[ENTITIES[name]!].values();
    else return { status: 404, body: { errors: [`entity ${name} not simulated`] } };
    let predicate: (r: AtRecord) => boolean;
    try {
      const parts = body.filter.map(compile);
      predicate = (r) => parts.every((p) => p(r));
    } catch (error) {
      return { status: 400, body: { errors: [(error as Error).message] } };
    }
    const size = Math.min(body.MaxRecords ?? MAX_RECORDS, MAX_RECORDS);
    const matching = sortBy(
      records.filter((r) => r.id > afterId && predicate(r)),
      (r) => r.id,
    );
    const items = matching.slice(0, size).map((r) => structuredClone(r));
    let nextPageUrl: string | null = null;
    if (matching.length > size) {
      const token = `p${this.pagings.size + 1}`;
      this.pagings.set(token, { body: request.body, lastId: items[items.length - 1]!.id });
      nextPageUrl = `${this.baseUrl}/v1.0/${name}/query/next?paging=${token}`;
    }
    if (ENTITIES[name]) this.onPage?.();
    return { status: 200, body: { items, pageDetails: { count: items.length, requestCount: size, prevPageUrl: null, nextPageUrl } } };
  }
}

type Filter = { op?: string; field?: string; value?: unknown; items?: Filter[] };

function compile(filter: unknown): (r: AtRecord) => boolean {
  const f = filter as Filter;
  if (f.op === 'or' || f.op === 'and') {
    if (!Array.isArray(f.items) || f.items.length === 0) throw new Error(`${f.op} needs items`);
    const parts = f.items.map(compile);
    return f.op === 'or' ? (r) => parts.some((p) => p(r)) : (r) => parts.every((p) => p(r));
  }
  if (typeof f.field !== 'string') throw new Error('filter item without field');
  const field = f.field;
  const read = (r: AtRecord): number | undefined => {
    const v = r[field];
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      const ms = Date.parse(v);
      return Number.isNaN(ms) ? undefined : ms;
    }
    return undefined;
  };
  if (f.op === 'exist') return (r) => r[field] !== null && r[field] !== undefined;
  const target = typeof f.value === 'number' ? f.value : typeof f.value === 'string' ? Date.parse(f.value) : NaN;
  if (Number.isNaN(target)) throw new Error(`filter value of ${field} unreadable`);
  const ops: Record<string, (a: number, b: number) => boolean> = {
    gt: (a, b) => a > b,
    gte: (a, b) => a >= b,
    lt: (a, b) => a < b,
    lte: (a, b) => a <= b,
    eq: (a, b) => a === b,
  };
  const op = ops[f.op ?? ''];
  if (!op) throw new Error(`op ${f.op} not simulated`);
  return (r) => {
    const v = read(r);
    return v !== undefined && op(v, target);
  };
}
