import type { Entity } from '../../ingest/canonical.js';
import type { Connection } from '../connection.js';
import { PsaCallError, psaFetch, readJson, type HttpStats, type RetryPolicy } from '../psa-http.js';
import { ServerClock, type ChangePage, type ClientOptions, type DeletedRecords, type PsaClient } from './psa-client.js';

/**
 * HaloPSA. A client-credentials token from `{base}/auth/token` (`?tenant=` for hosted instances),
 * then `{base}/api/Tickets` and `{base}/api/Actions` with `pageinate`, `page_size`, `page_no`,
 * `lastupdatefromdate` and a stable `order`. Halo ignores parameter names it does not know (a typo
 * returns the whole table), so every parameter sent is checked against QUERY_PARAMETERS first.
 */
export const QUERY_PARAMETERS = new Set([
  'pageinate',
  'page_size',
  'page_no',
  'lastupdatefromdate',
  'order',
  'orderdesc',
  'deleted',
  'count',
]);
const RESOURCE: Record<Entity, { path: string; list: string; updated: string }> = {
  tickets: { path: '/api/Tickets', list: 'tickets', updated: 'last_update' },
  time_entries: { path: '/api/Actions', list: 'actions', updated: 'last_updated' },
};

/** Halo instants often come without an offset: they are UTC. */
function haloIso(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export class HaloClient implements PsaClient {
  readonly psa = 'halopsa' as const;
  readonly paging = 'pass' as const;
  readonly stats: HttpStats = { requests: 0, retries: 0 };
  private readonly clock = new ServerClock();
  private readonly retry: RetryPolicy | undefined;
  private readonly pageSize: number;
  private token: { value: string; until: number } | undefined;

  constructor(
    private readonly connection: Connection,
    options: ClientOptions = {},
  ) {
    this.retry = options.retry;
    this.pageSize = Math.min(options.pageSize ?? 500, 500);
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const c = this.connection.credentials;
    const url = new URL(`${this.connection.baseUrl}/auth/token`);
    if (c.tenant) url.searchParams.set('tenant', c.tenant);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.client_id ?? '',
      client_secret: c.client_secret ?? '',
      scope: 'all',
    });
    const response = await psaFetch(
      url.toString(),
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() },
      this.stats,
      this.retry,
    );
    const body = (await readJson(response, 'the token request')) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new PsaCallError('shape', 'the HaloPSA token answer has no access_token');
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    this.token = { value: body.access_token, until: Date.now() + Math.max(0, seconds - 60) * 1000 };
    return body.access_token;
  }

  private async get(path: string, query: Record<string, string>): Promise<unknown> {
    const url = new URL(`${this.connection.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (!QUERY_PARAMETERS.has(key)) throw new Error(`HaloPSA parameter "${key}" is not on the allow-list`);
      url.searchParams.set(key, value);
    }
    const token = await this.accessToken();
    const response = await psaFetch(
      url.toString(),
      { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
      this.stats,
      this.retry,
    );
    this.clock.note(response);
    return readJson(response, `GET ${path}`);
  }

  async test(): Promise<void> {
    await this.get('/api/Tickets', { pageinate: 'true', page_size: '1', page_no: '1' });
  }

  serverDate(): string | null {
    return this.clock.value;
  }

  latestServerDate(): string | null {
    return this.clock.latest;
  }

  private async *pages(
    entity: Entity,
    query: Record<string, string>,
    firstPage: number,
  ): AsyncIterable<{ records: unknown[]; page: number }> {
    const resource = RESOURCE[entity];
    for (let page = firstPage; ; page += 1) {
      const body = (await this.get(resource.path, {
        ...query,
        pageinate: 'true',
        page_size: String(this.pageSize),
        page_no: String(page),
        order: 'id',
        orderdesc: 'false',
      })) as Record<string, unknown>;
      const records = body?.[resource.list];
      if (!Array.isArray(records)) throw new PsaCallError('shape', `GET ${resource.path} did not answer {${resource.list}: [...]}`);
      if (records.length === 0) return;
      yield { records, page };
      const total = typeof body.record_count === 'number' ? body.record_count : undefined;
      if (records.length < this.pageSize || (total !== undefined && page * this.pageSize >= total)) return;
    }
  }

  async *changes(entity: Entity, since: string | null, after: unknown): AsyncIterable<ChangePage> {
    const query: Record<string, string> = {};
    if (since) query.lastupdatefromdate = since;
    const firstPage = ((after as { page?: number } | null)?.page ?? 0) + 1;
    const field = RESOURCE[entity].updated;
    for await (const { records, page } of this.pages(entity, query, firstPage)) {
      let maxUpdated: string | null = null;
      for (const record of records) {
        const iso = haloIso((record as Record<string, unknown> | null)?.[field]);
        if (iso && (maxUpdated === null || iso > maxUpdated)) maxUpdated = iso;
      }
      yield { records, position: { page }, maxUpdated };
    }
  }

  async deletions(entity: Entity, since: string | null): Promise<DeletedRecords | undefined> {
    if (entity !== 'tickets') return undefined;
    const query: Record<string, string> = { deleted: 'true' };
    if (since) query.lastupdatefromdate = since;
    const items: DeletedRecords['items'] = [];
    let latest = since;
    for await (const { records } of this.pages(entity, query, 1)) {
      for (const record of records as Record<string, unknown>[]) {
        const iso = haloIso(record?.last_update);
        if (typeof record?.id === 'number' || typeof record?.id === 'string') items.push({ id: String(record.id), at: iso });
        if (iso && (latest === null || iso > latest)) latest = iso;
      }
    }
    return { items, latest };
  }

  /** Deleted tickets since `from` (one record is enough to know): page numbers may have shifted. */
  async passDisturbed(entity: Entity, from: string): Promise<boolean> {
    if (entity !== 'tickets') return false;
    const body = (await this.get('/api/Tickets', {
      deleted: 'true',
      lastupdatefromdate: from,
      pageinate: 'true',
      page_size: '1',
      page_no: '1',
    })) as Record<string, unknown>;
    const tickets = body?.tickets;
    return (typeof body?.record_count === 'number' && body.record_count > 0) || (Array.isArray(tickets) && tickets.length > 0);
  }

  async labels(): Promise<undefined> {
    return undefined;
  }
}
