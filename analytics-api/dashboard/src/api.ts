/** The only server calls the page makes: GET /v1/kpis/daily, GET /v1/config and GET /v1/sync-status with the tenant's X-API-Key. */
import type { KpiTargets } from './targets.js';
import type { DailyList, GroupBy, SyncStatus } from './types.js';

export type ApiErrorKind = 'refused' | 'unreachable' | 'rate_limited' | 'bad_request' | 'server';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

async function problemDetail(res: Response): Promise<string | undefined> {
  try {
    const type = res.headers.get('content-type') ?? '';
    if (!type.includes('json')) return undefined;
    const body = (await res.json()) as { detail?: unknown; title?: unknown };
    if (typeof body.detail === 'string' && body.detail) return body.detail;
    if (typeof body.title === 'string' && body.title) return body.title;
  } catch {
    /* not a problem document */
  }
  return undefined;
}

function isDailyList(value: unknown): value is DailyList {
  return typeof value === 'object' && value !== null && Array.isArray((value as DailyList).items);
}

export class KpiClient {
  private readonly cache = new Map<string, Promise<DailyList>>();

  constructor(readonly apiKey: string) {}

  /** Forget cached answers (the Refresh button). */
  clear(): void {
    this.cache.clear();
    this.targets = undefined;
  }

  /**
   * One request per URL while the page lives (until clear()). Requests are not aborted when the user
   * moves on: several views may share one, and the page ignores answers it no longer needs.
   */
  daily(from: string, to: string, groupBy?: GroupBy): Promise<DailyList> {
    const params = new URLSearchParams({ from, to });
    if (groupBy) params.set('group_by', groupBy);
    const url = `/v1/kpis/daily?${params.toString()}`;
    let pending = this.cache.get(url);
    if (!pending) {
      pending = this.request(url);
      this.cache.set(url, pending);
      pending.catch(() => this.cache.delete(url));
    }
    return pending;
  }

  private targets: Promise<KpiTargets> | undefined;

  /** The tenant's kpi_targets; none when the configuration cannot be read (the charts then show no configured target). */
  kpiTargets(): Promise<KpiTargets> {
    this.targets ??= fetch('/v1/config', {
      headers: { 'X-API-Key': this.apiKey, Accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
    })
      .then(async (res) => (res.ok ? (((await res.json()) as { config?: { kpi_targets?: KpiTargets } }).config?.kpi_targets ?? {}) : {}))
      .catch(() => ({}));
    return this.targets;
  }

  /** The tenant's PSA sync state; null when it cannot be read (the banner is a hint, never a blocker). */
  async syncStatus(): Promise<SyncStatus | null> {
    try {
      const res = await fetch('/v1/sync-status', {
        headers: { 'X-API-Key': this.apiKey, Accept: 'application/json' },
        cache: 'no-store',
        credentials: 'omit',
      });
      if (!res.ok) return null;
      return (await res.json()) as SyncStatus;
    } catch {
      return null;
    }
  }

  private async request(url: string): Promise<DailyList> {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { 'X-API-Key': this.apiKey, Accept: 'application/json' },
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(
        'unreachable',
        'The analytics API could not be reached. Check the connection and that the service is running, then try again.',
      );
    }
    if (res.ok) {
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        throw new ApiError('server', 'The API sent an answer that is not JSON.', res.status);
      }
      if (!isDailyList(body)) throw new ApiError('server', 'The API sent an answer in an unexpected shape.', res.status);
      body.items.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
      return body;
    }
    const detail = await problemDetail(res);
    if (res.status === 401 || res.status === 403) {
      throw new ApiError('refused', 'This API key was refused. Check that it is complete and has not been revoked.', res.status);
    }
    if (res.status === 429) {
      const after = res.headers.get('retry-after');
      throw new ApiError('rate_limited', `Too many requests${after ? `; try again in ${after} s` : '; try again shortly'}.`, 429);
    }
    if (res.status === 400) throw new ApiError('bad_request', detail ?? 'The API did not accept this date range.', 400);
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      throw new ApiError('unreachable', `The analytics API is unavailable right now (${res.status}). Try again in a moment.`, res.status);
    }
    throw new ApiError('server', `The API answered with an error (${res.status})${detail ? `: ${detail}` : '.'}`, res.status);
  }
}
