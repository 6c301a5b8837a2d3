import type { Entity } from '../../ingest/canonical.js';
import type { Connection } from '../connection.js';
import { PsaCallError, psaFetch, readJson, type HttpStats, type RetryPolicy } from '../psa-http.js';
import { ServerClock, type ChangePage, type ClientOptions, type PsaClient } from './psa-client.js';

/**
 * ConnectWise PSA REST 3.0. Auth: Basic "company+public:private" and the clientId header.
 * Pages are ordered by (lastUpdated, id) and each next page is asked with a keyset condition
 * `lastUpdated > [t] or (lastUpdated = [t] and id > n)`: no offset, so records that change while
 * the sync pages move to the end of the order and are read later instead of shifting pages.
 */
const PATHS: Record<Entity, string> = { tickets: '/service/tickets', time_entries: '/time/entries' };

interface Position {
  updated: string;
  id: number;
}

/** ConnectWise condition dates: second precision in brackets, UTC. */
function cwDate(iso: string): string {
  return `[${new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z')}]`;
}

export class ConnectWiseClient implements PsaClient {
  readonly psa = 'connectwise' as const;
  readonly paging = 'keyset' as const;
  readonly stats: HttpStats = { requests: 0, retries: 0 };
  private readonly clock = new ServerClock();
  private readonly headers: Record<string, string>;
  private readonly pageSize: number;
  private readonly retry: RetryPolicy | undefined;

  constructor(
    private readonly connection: Connection,
    options: ClientOptions = {},
  ) {
    const c = connection.credentials;
    const basic = Buffer.from(`${c.company}+${c.public_key}:${c.private_key}`).toString('base64');
    this.headers = { authorization: `Basic ${basic}`, clientId: c.client_id ?? '', accept: 'application/json' };
    this.pageSize = Math.min(options.pageSize ?? 1000, 1000);
    this.retry = options.retry;
  }

  private async get(path: string, query: Record<string, string>): Promise<unknown> {
    const url = new URL(`${this.connection.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const response = await psaFetch(url.toString(), { headers: this.headers }, this.stats, this.retry);
    this.clock.note(response);
    return readJson(response, `GET ${path}`);
  }

  async test(): Promise<void> {
    await this.get(PATHS.tickets, { pageSize: '1', fields: 'id' });
  }

  serverDate(): string | null {
    return this.clock.value;
  }

  latestServerDate(): string | null {
    return this.clock.latest;
  }

  async *changes(entity: Entity, since: string | null, after: unknown): AsyncIterable<ChangePage> {
    let position = (after as Position | null) ?? null;
    for (;;) {
      const conditions: string[] = [];
      if (position) {
        const at = cwDate(position.updated);
        conditions.push(`(lastUpdated > ${at} or (lastUpdated = ${at} and id > ${position.id}))`);
      } else if (since) {
        conditions.push(`lastUpdated >= ${cwDate(since)}`);
      }
      const query: Record<string, string> = { orderBy: 'lastUpdated asc, id asc', pageSize: String(this.pageSize), page: '1' };
      if (conditions.length > 0) query.conditions = conditions.join(' and ');
      const body = await this.get(PATHS[entity], query);
      if (!Array.isArray(body)) throw new PsaCallError('shape', `GET ${PATHS[entity]} did not answer a JSON array`);
      if (body.length === 0) return;
      const next = lastPosition(body) ?? position;
      if (!next || (position && next.updated === position.updated && next.id === position.id)) {
        throw new PsaCallError(
          'shape',
          `GET ${PATHS[entity]}: no record of the page carries a readable id and _info.lastUpdated, so paging cannot go on`,
        );
      }
      position = next;
      yield { records: body, position, maxUpdated: position.updated };
      if (body.length < this.pageSize) return;
    }
  }

  async deletions(): Promise<undefined> {
    return undefined;
  }

  async labels(): Promise<undefined> {
    return undefined;
  }
}

/** The keyset position after a page: its last record with a readable id and lastUpdated. */
function lastPosition(records: unknown[]): Position | null {
  for (let i = records.length - 1; i >= 0; i -= 1) {
    const r = records[i] as { id?: unknown; _info?: { lastUpdated?: unknown } } | null;
    const id = typeof r?.id === 'number' ? r.id : typeof r?.id === 'string' && /^\d+$/.test(r.id) ? Number(r.id) : NaN;
    const updated = r?._info?.lastUpdated;
    if (Number.isFinite(id) && typeof updated === 'string' && !Number.isNaN(Date.parse(updated))) {
      return { updated: new Date(Date.parse(updated)).toISOString(), id };
    }
  }
  return null;
}
