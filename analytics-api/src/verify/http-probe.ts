/** HTTP calls for `verify`, with Node's global fetch: status, parsed body, and why a call never got an answer. */

export type NetworkFailureKind = 'dns' | 'refused' | 'timeout' | 'reset' | 'tls' | 'other';

export interface NetworkFailure {
  kind: NetworkFailureKind;
  /** e.g. `ENOTFOUND analytics-api`, `ECONNREFUSED 127.0.0.1:8000`. */
  message: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Header values are sent as given; the transcript shows them through a Redactor. */
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

export interface HttpExchange {
  request: HttpRequest;
  status?: number;
  contentType?: string;
  /** Parsed JSON when the body is JSON, else undefined. */
  json?: unknown;
  text: string;
  durationMs: number;
  failure?: NetworkFailure;
}

function failureOf(error: unknown): NetworkFailure {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return { kind: 'timeout', message: 'no answer before the timeout' };
  const cause = err?.cause;
  const code = cause?.code ?? '';
  const message = [code, cause?.message ?? err?.message].filter(Boolean).join(' ');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return { kind: 'dns', message };
  if (code === 'ECONNREFUSED') return { kind: 'refused', message };
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return { kind: 'timeout', message };
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return { kind: 'reset', message };
  if (/CERT|SSL|TLS/i.test(code)) return { kind: 'tls', message };
  return { kind: 'other', message: message || String(error) };
}

export async function httpCall(request: HttpRequest): Promise<HttpExchange> {
  const started = performance.now();
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers['content-type'] = 'application/json';
  }
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? undefined;
    let json: unknown;
    if (contentType?.includes('json') || /^\s*[[{]/.test(text)) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { request, status: response.status, contentType, json, text, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { request, text: '', durationMs: Math.round(performance.now() - started), failure: failureOf(error) };
  }
}

/** The same call as a curl command, for 10_commands.md (header values given as shell variables). */
export function curlEquivalent(request: HttpRequest, headerShellValues: Record<string, string> = {}): string {
  const parts = ['curl -sS -i'];
  if (request.method !== 'GET') parts.push(`-X ${request.method}`);
  for (const name of Object.keys(request.headers ?? {})) {
    const shown = headerShellValues[name] ?? request.headers?.[name] ?? '';
    parts.push(`-H "${name}: ${shown}"`);
  }
  if (request.body !== undefined) parts.push(`-H "content-type: application/json" -d '${JSON.stringify(request.body)}'`);
  parts.push(`"${request.url}"`);
  return parts.join(' ');
}

/** `201 Created (12 ms)` or `no answer: ECONNREFUSED …`. */
export function describeExchange(exchange: HttpExchange): string {
  if (exchange.failure) return `no answer (${exchange.failure.kind}): ${exchange.failure.message}`;
  return `HTTP ${exchange.status} (${exchange.durationMs} ms)`;
}

/** A body for a transcript: pretty JSON, cut after `max` characters. */
export function bodyExcerpt(exchange: HttpExchange, max = 2_000): string {
  const text = exchange.json !== undefined ? JSON.stringify(exchange.json, null, 2) : exchange.text;
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

/** The `detail` of an RFC 9457 problem body, when there is one. */
export function problemDetail(exchange: HttpExchange): string | undefined {
  const json = exchange.json as { detail?: unknown; title?: unknown } | undefined;
  if (json && typeof json === 'object') {
    if (typeof json.detail === 'string') return json.detail;
    if (typeof json.title === 'string') return json.title;
  }
  return undefined;
}
