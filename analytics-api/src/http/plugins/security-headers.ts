import type { FastifyInstance } from 'fastify';

/** The headers of every response, also those written outside the hooks (client-errors.ts, frameworkErrors). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Every header the hook below gives an API answer, for answers written outside the hooks
 * (frameworkErrors in app.ts, client-errors.ts); those have no request id when Node refused the request.
 */
export function outsideHookHeaders(requestId?: string): Record<string, string> {
  return {
    ...SECURITY_HEADERS,
    ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
    'cache-control': 'no-store',
    'content-security-policy': API_CSP,
  };
}

/** Headers on every response; pages (dashboard, /docs) may set their own CSP before this runs. */
export function installSecurityHeaders(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every response.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.headers(SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (!reply.hasHeader('content-security-policy') && !request.url.startsWith('/docs')) {
      reply.header('content-security-policy', API_CSP);
    }
    done(null, payload);
  });
}
