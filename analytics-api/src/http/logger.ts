import type { FastifyServerOptions } from 'fastify';

/**
 * pino options shared by the server. Credentials are redacted wherever they could appear; request
 * logs carry method, url and a request id, never headers in full.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.password',
  '*.token',
  '*.key',
  '*.serviceToken',
  '*.service_token',
  '*.databaseUrl',
  '*.jwtSecretKey',
  '*.access_token',
  'config',
];

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req(request: { method: string; url: string; id: string; ip?: string }) {
        // The full URL is logged (tenant ids and dates in queries help operators); no route takes
        // a credential in the query, and headers are never logged.
        return { method: request.method, url: request.url, id: request.id, remote: request.ip };
      },
    },
  };
}
