import type { Entity } from '../../ingest/canonical.js';
import type { Connection } from '../connection.js';
import { PsaCallError, psaFetch, readJson, type HttpStats, type RetryPolicy } from '../psa-http.js';
import { ServerClock, type ChangePage, type ClientOptions, type DeletedRecords, type PsaClient, type PsaLabels } from './psa-client.js';

/**
 * Autotask REST v1.0. Auth headers ApiIntegrationCode, UserName, Secret; the zone comes from
 * base_url or from the zone lookup. `POST {Entity}/query` with a filter, then each
 * `pageDetails.nextPageUrl` POSTed with the same body, at most 500 rows a page, in id order.
 * The order has no update instant, so a pass keeps its `since` and resumes after the last
 * committed id (an `id gt` condition); the cursor moves to the pass's start by Autotask's clock.
 */
const ENTITY: Record<Entity, string> = { tickets: 'Tickets', time_entries: 'TimeEntries' };
/** Tickets: either change field may be the one that moves (research: lastActivityDate; lastTracked… is the field-change stamp). */
const CHANGE_FIELDS: Record<Entity, string[]> = {
  tickets: ['lastActivityDate', 'lastTrackedModificationDateTime'],
  time_entries: ['lastModifiedDateTime'],
};
const DELETED_FEED: Record<Entity, { entity: string; idFields: string[] }> = {
  tickets: { entity: 'DeletedTicketLogs', idFields: ['ticketID'] },
  // The id field of DeletedTaskActivityLogs is not documented where we looked: both readings.
  time_entries: { entity: 'DeletedTaskActivityLogs', idFields: ['timeEntryID', 'taskActivityID'] },
};
const AUTOTASK_ZONE_LOOKUP = 'https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation';
const MAX_PAGE = 500;

interface QueryPage {
  items: unknown[];
  pageDetails?: { nextPageUrl?: string | null };
}

export class AutotaskClient implements PsaClient {
  readonly psa = 'autotask' as const;
  readonly paging = 'pass' as const;
  readonly stats: HttpStats = { requests: 0, retries: 0 };
  private readonly clock = new ServerClock();
  private readonly headers: Record<string, string>;
  private readonly retry: RetryPolicy | undefined;
  private readonly pageSize: number;
  private base: string | undefined;

  constructor(
    private readonly connection: Connection,
    options: ClientOptions & { zoneLookupUrl?: string } = {},
  ) {
    const c = connection.credentials;
    this.headers = {
      ApiIntegrationCode: c.integration_code ?? '',
      UserName: c.username ?? '',
      Secret: c.secret ?? '',
      'content-type': 'application/json',
      accept: 'application/json',
    };
    this.retry = options.retry;
    this.pageSize = Math.min(options.pageSize ?? MAX_PAGE, MAX_PAGE);
    this.base = connection.baseUrl;
    this.zoneLookupUrl = options.zoneLookupUrl ?? AUTOTASK_ZONE_LOOKUP;
  }

  private readonly zoneLookupUrl: string;

  private async zone(): Promise<string> {
    if (this.base) return this.base;
    const url = new URL(this.zoneLookupUrl);
    url.searchParams.set('user', this.connection.credentials.username ?? '');
    const response = await psaFetch(url.toString(), { headers: { accept: 'application/json' } }, this.stats, this.retry);
    const body = (await readJson(response, 'the zone lookup')) as { url?: unknown };
    if (typeof body.url !== 'string') throw new PsaCallError('shape', 'the Autotask zone lookup did not name a zone: check the username');
    this.base = `${body.url.replace(/\/+$/, '')}/v1.0`;
    return this.base;
  }

  private async call(method: 'GET' | 'POST', urlOrPath: string, body?: unknown): Promise<unknown> {
    const url = /^https?:/.test(urlOrPath) ? urlOrPath : `${await this.zone()}${urlOrPath}`;
    const response = await psaFetch(
      url,
      { method, headers: this.headers, body: body === undefined ? undefined : JSON.stringify(body) },
      this.stats,
      this.retry,
    );
    this.clock.note(response);
    return readJson(response, `${method} ${urlOrPath.startsWith('http') ? 'nextPageUrl' : urlOrPath}`);
  }

  async test(): Promise<void> {
    await this.call('POST', '/Tickets/query', { MaxRecords: 1, IncludeFields: ['id'], filter: [{ op: 'exist', field: 'id' }] });
  }

  serverDate(): string | null {
    return this.clock.value;
  }

  latestServerDate(): string | null {
    return this.clock.latest;
  }

  private async *query(entity: string, filter: unknown[]): AsyncIterable<QueryPage> {
    const body = { MaxRecords: this.pageSize, filter };
    let next: string | null = null;
    for (;;) {
      const page = (next ? await this.call('POST', next, body) : await this.call('POST', `/${entity}/query`, body)) as QueryPage;
      if (!page || !Array.isArray(page.items)) throw new PsaCallError('shape', `POST ${entity}/query did not answer {items: [...]}`);
      yield page;
      next = page.pageDetails?.nextPageUrl ?? null;
      if (!next || page.items.length === 0) return;
    }
  }

  async *changes(entity: Entity, since: string | null, after: unknown): AsyncIterable<ChangePage> {
    const filter: unknown[] = [];
    const fields = CHANGE_FIELDS[entity];
    if (since) {
      const items = fields.map((field) => ({ op: 'gte', field, value: since }));
      filter.push(items.length === 1 ? items[0] : { op: 'or', items });
    }
    let lastId = (after as { id?: number } | null)?.id ?? null;
    filter.push(lastId === null ? { op: 'exist', field: 'id' } : { op: 'gt', field: 'id', value: lastId });
    for await (const page of this.query(ENTITY[entity], filter)) {
      let maxUpdated: string | null = null;
      for (const item of page.items) {
        const r = item as Record<string, unknown> | null;
        if (typeof r?.id === 'number' && (lastId === null || r.id > lastId)) lastId = r.id;
        for (const field of fields) {
          const value = r?.[field];
          if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) {
            const iso = new Date(Date.parse(value)).toISOString();
            if (maxUpdated === null || iso > maxUpdated) maxUpdated = iso;
          }
        }
      }
      if (page.items.length > 0) yield { records: page.items, position: { id: lastId }, maxUpdated };
    }
  }

  async deletions(entity: Entity, since: string | null): Promise<DeletedRecords> {
    const feed = DELETED_FEED[entity];
    const filter = since ? [{ op: 'gte', field: 'deletedDateTime', value: since }] : [{ op: 'exist', field: 'id' }];
    const items: DeletedRecords['items'] = [];
    let latest: string | null = since;
    for await (const page of this.query(feed.entity, filter)) {
      for (const item of page.items) {
        const r = item as Record<string, unknown>;
        const id = feed.idFields.map((f) => r?.[f]).find((v) => typeof v === 'number' || typeof v === 'string');
        const at =
          typeof r?.deletedDateTime === 'string' && !Number.isNaN(Date.parse(r.deletedDateTime))
            ? new Date(Date.parse(r.deletedDateTime)).toISOString()
            : null;
        if (id !== undefined) items.push({ id: String(id), at });
        if (at && (latest === null || at > latest)) latest = at;
      }
    }
    return { items, latest };
  }

  async labels(entity: Entity): Promise<PsaLabels> {
    const body = (await this.call('GET', `/${ENTITY[entity]}/entityInformation/fields`)) as { fields?: unknown };
    const labels: PsaLabels = {};
    if (!Array.isArray(body.fields)) return labels;
    for (const field of body.fields as { name?: unknown; isPickList?: unknown; picklistValues?: unknown }[]) {
      if (field?.isPickList !== true || typeof field.name !== 'string' || !Array.isArray(field.picklistValues)) continue;
      const values: Record<string, string> = {};
      for (const v of field.picklistValues as { value?: unknown; label?: unknown }[]) {
        if ((typeof v?.value === 'string' || typeof v?.value === 'number') && typeof v.label === 'string')
          values[String(v.value)] = v.label;
      }
      labels[field.name] = values;
    }
    return labels;
  }
}
