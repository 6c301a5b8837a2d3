import { SimServer, SimTable, sortBy, type SimAnswer, type SimRequest } from './sim-server.js';

/**
 * Simulated HaloPSA: client-credentials tokens at `/auth/token` (`tenant` required when set),
 * `/api/Tickets` and `/api/Actions` with `pageinate`, `page_size` (capped), `page_no`,
 * `lastupdatefromdate`, `order`/`orderdesc` and `deleted=true`, answering `record_count`. Like the
 * real Halo it silently ignores parameter names it does not know — a typo returns everything.
 */
export type HaloRecord = Record<string, unknown> & { id: number };

export const HALO_CREDENTIALS = { client_id: 'halo-client', client_secret: 'halo-SECRET-789', tenant: 'harbour' };
const KNOWN = new Set([
  'pageinate',
  'page_size',
  'page_no',
  'lastupdatefromdate',
  'lastupdatetodate',
  'order',
  'orderdesc',
  'deleted',
  'count',
]);
const MAX_PAGE = 500;
const RESOURCES = {
  '/api/Tickets': { entity: 'tickets' as const, list: 'tickets', updated: 'last_update' },
  '/api/Actions': { entity: 'time_entries' as const, list: 'actions', updated: 'last_updated' },
};

const haloMs = (value: unknown) =>
  typeof value === 'string' ? Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`) : NaN;
const haloStamp = (ms: number) => new Date(ms).toISOString().replace('Z', '');

export class HaloSim extends SimServer {
  readonly tables = {
    tickets: new SimTable<HaloRecord>((r) => String(r.id)),
    time_entries: new SimTable<HaloRecord>((r) => `${String(r.ticket_id)}:${String(r.id)}`),
  };
  private tokens = new Set<string>();
  /** Every parameter name received (the allow-list test reads it). */
  readonly parameterNames = new Set<string>();

  load(entity: 'tickets' | 'time_entries', records: HaloRecord[]): this {
    const field = entity === 'tickets' ? 'last_update' : 'last_updated';
    for (const r of records) {
      this.tables[entity].put(structuredClone(r));
      const ms = haloMs(r[field]);
      if (!Number.isNaN(ms)) this.now = Math.max(this.now, ms + 60_000);
    }
    return this;
  }

  change(entity: 'tickets' | 'time_entries', key: string): void {
    const record = this.tables[entity].live.get(key);
    if (!record) return;
    this.tick();
    if (entity === 'tickets') {
      record.summary = `${String(record.summary ?? '').slice(0, 60)} (edit ${this.now})`;
      record.last_update = haloStamp(this.now);
    } else {
      record.note = `edited ${this.now}`;
      record.last_updated = haloStamp(this.now);
    }
  }

  add(entity: 'tickets' | 'time_entries'): string {
    const table = this.tables[entity];
    const template = table.values()[0] ?? [...table.deleted].pop()?.record;
    if (!template) throw new Error('nothing to copy');
    const id = Math.max(0, ...table.values().map((r) => r.id), ...table.deleted.map((d) => d.record.id)) + 1;
    const record = { ...structuredClone(template), id };
    table.put(record);
    const key = table.keyOf(record);
    this.change(entity, key);
    return key;
  }

  /** Halo deletes softly: `deleted=true` lists deleted tickets, their last_update the deletion. */
  remove(entity: 'tickets' | 'time_entries', key: string): void {
    const at = this.tick();
    const record = this.tables[entity].remove(key, at);
    if (record) record.last_update = haloStamp(at);
  }

  handle(request: SimRequest): SimAnswer {
    const path = request.url.pathname;
    if (path === '/auth/token' && request.method === 'POST') {
      const form = new URLSearchParams(request.body);
      if (request.url.searchParams.get('tenant') !== HALO_CREDENTIALS.tenant) return { status: 400, body: { error: 'invalid_tenant' } };
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('client_id') !== HALO_CREDENTIALS.client_id ||
        form.get('client_secret') !== HALO_CREDENTIALS.client_secret
      ) {
        return { status: 401, body: { error: 'invalid_client' } };
      }
      const token = `tok-${this.tokens.size + 1}-${Math.random().toString(36).slice(2)}`;
      this.tokens.add(token);
      return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: 3600 } };
    }
    const resource = RESOURCES[path as keyof typeof RESOURCES];
    if (!resource || request.method !== 'GET') return { status: 404, body: { message: 'not found' } };
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer || !this.tokens.has(bearer)) return { status: 401, body: { message: 'token' } };
    const q = new URLSearchParams();
    for (const [key, value] of request.url.searchParams) {
      this.parameterNames.add(key);
      if (KNOWN.has(key)) q.set(key, value); // unknown names: ignored, like the real Halo
    }
    const table = this.tables[resource.entity];
    let records = q.get('deleted') === 'true' ? table.deleted.map((d) => d.record) : table.values();
    const from = q.get('lastupdatefromdate');
    if (from) {
      const ms = haloMs(from);
      if (Number.isNaN(ms)) return { status: 400, body: { message: 'lastupdatefromdate' } };
      records = records.filter((r) => haloMs(r[resource.updated]) >= ms);
    }
    const order = q.get('order');
    if (order === 'id')
      sortBy(
        records,
        (r) => (resource.entity === 'time_entries' ? Number(r.ticket_id) : r.id),
        (r) => r.id,
      );
    if (q.get('orderdesc') === 'true') records.reverse();
    const total = records.length;
    if (q.get('pageinate') === 'true') {
      const size = Math.min(Number(q.get('page_size') ?? 50), MAX_PAGE);
      const page = Number(q.get('page_no') ?? 1);
      records = records.slice((page - 1) * size, page * size);
      this.onPage?.();
    }
    return { status: 200, body: { record_count: total, [resource.list]: records.map((r) => structuredClone(r)) } };
  }
}
