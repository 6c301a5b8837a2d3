/**
 * Query parameters that carry a credential. No route takes one: a client that puts a key or token
 * in the URL is refused (400, "use the header"), and the logged URL has the value replaced, because
 * URLs end up in proxy logs, browser history and our own request log.
 */
const CREDENTIAL_PARAMETERS: ReadonlySet<string> = new Set([
  'api_key',
  'apikey',
  'api-key',
  'x-api-key',
  'key',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'jwt',
  'service_token',
  'password',
  'secret',
]);

function parameterName(part: string): string {
  const raw = part.split('=', 1)[0] ?? '';
  // Most names are plain: decoding only when they are encoded keeps this cheap on every request.
  if (!raw.includes('%') && !raw.includes('+')) return raw.trim().toLowerCase();
  try {
    return decodeURIComponent(raw.replaceAll('+', ' ')).trim().toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** The credential parameter names present in the URL's query (lower-cased), in order of appearance. */
export function credentialParametersIn(url: string): string[] {
  const query = url.indexOf('?');
  if (query < 0) return [];
  return url
    .slice(query + 1)
    .split('&')
    .map(parameterName)
    .filter((name) => CREDENTIAL_PARAMETERS.has(name));
}

/** The URL with the value of every credential parameter replaced by "[redacted]"; other parts as sent. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const parts = url
    .slice(query + 1)
    .split('&')
    .map((part) => (CREDENTIAL_PARAMETERS.has(parameterName(part)) ? `${part.split('=', 1)[0]}=[redacted]` : part));
  return `${url.slice(0, query)}?${parts.join('&')}`;
}
