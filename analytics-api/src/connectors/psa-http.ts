/**
 * The one way connectors call a PSA: fetch with bounded retries. 429 and 503 wait what Retry-After
 * says; other transient failures (5xx, a dropped connection) back off exponentially with full
 * jitter; both stop after `maxAttempts` tries or `maxTotalMs` of waiting. 401/403 never retry.
 */

export interface RetryPolicy {
  maxAttempts: number;
  maxTotalMs: number;
  baseDelayMs: number;
  /** Longest single wait, also for a Retry-After asking more. */
  maxDelayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, maxTotalMs: 120_000, baseDelayMs: 500, maxDelayMs: 60_000 };

export interface HttpStats {
  requests: number;
  retries: number;
}

/** The PSA answered 401 or 403: the credentials (or their permissions) were refused. */
export class PsaRefusedError extends Error {
  override name = 'PsaRefusedError';
  constructor(
    readonly status: number,
    readonly what: string,
  ) {
    super(
      status === 401
        ? `the PSA refused the credentials (HTTP 401 on ${what}): check the keys of the connection`
        : `the PSA refused access (HTTP 403 on ${what}): the API member lacks a permission (see docs/connectors.md)`,
    );
  }
}

/** Anything else that ends a call: the address, TLS, an unexpected status, retries exhausted. */
export class PsaCallError extends Error {
  override name = 'PsaCallError';
  constructor(
    readonly problem: 'address' | 'tls' | 'status' | 'exhausted' | 'shape',
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function describeNetworkError(error: unknown, what: string): PsaCallError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? '';
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code + (cause?.message ?? ''))) {
    return new PsaCallError('tls', `TLS failed on ${what} (${code || 'certificate'}): the PSA's certificate is not trusted`);
  }
  return new PsaCallError('address', `the PSA could not be reached on ${what} (${code || 'network error'}): check base_url`);
}

/** What the log and errors may show of a URL: host and path, never the query (it may hold filters with names). */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the PSA URL';
  }
}

export async function psaFetch(url: string, init: RequestInit, stats: HttpStats, policy: RetryPolicy = DEFAULT_RETRY): Promise<Response> {
  const what = `${init.method ?? 'GET'} ${describeUrl(url)}`;
  let waited = 0;
  for (let attempt = 1; ; attempt += 1) {
    stats.requests += 1;
    let delay: number | undefined;
    let failure: PsaCallError;
    try {
      const response = await fetch(url, { ...init, redirect: 'error' });
      if (response.ok) return response;
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        throw new PsaRefusedError(response.status, what);
      }
      const transient = response.status === 429 || response.status >= 500;
      const text = (await response.text()).slice(0, 200);
      failure = new PsaCallError(
        transient ? 'exhausted' : 'status',
        `the PSA answered HTTP ${response.status} on ${what}${text ? `: ${text}` : ''}`,
      );
      if (!transient) throw failure;
      if (response.status === 429 || response.status === 503) delay = retryAfterMs(response.headers.get('retry-after'));
    } catch (error) {
      if (error instanceof PsaRefusedError || (error instanceof PsaCallError && error.problem === 'status')) throw error;
      failure = error instanceof PsaCallError ? error : describeNetworkError(error, what);
      if (failure.problem === 'tls') throw failure;
    }
    const backoff = delay ?? Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    const wait = Math.min(backoff, policy.maxDelayMs);
    if (attempt >= policy.maxAttempts || waited + wait > policy.maxTotalMs) {
      throw new PsaCallError(
        failure.problem === 'address' ? 'address' : 'exhausted',
        `${failure.message} (gave up after ${attempt} attempts)`,
      );
    }
    stats.retries += 1;
    waited += wait;
    await sleep(wait);
  }
}

export async function readJson(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new PsaCallError('shape', `the PSA answered ${what} with a body that is not JSON`);
  }
}
