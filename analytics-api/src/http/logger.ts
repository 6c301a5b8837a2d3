import type { FastifyServerOptions } from 'fastify';
import { redactUrl } from './credentials-in-url.js';

/**
 * pino options shared by the server. Credentials are redacted wherever they could appear; request
 * logs carry method, url and a request id, never headers in full.
 */
const REDACTED_PATHS = [
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
  '*.api_key',
  '*.serviceTokenPrevious',
  'config',
];

/** Where the log lines go: stdout by default; tests pass a stream that collects them (test/helpers/log-capture.ts). */
export interface LogDestination {
  write(line: string): void;
}

export function loggerOptions(level: string, stream?: LogDestination): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req(request: { method: string; url: string; id: string; ip?: string }) {
        // The URL is logged (tenant ids and dates in queries help operators) with the value of any
        // credential parameter replaced (such requests are refused: credentials-in-url.ts); headers
        // are never logged.
        return { method: request.method, url: redactUrl(request.url), id: request.id, remote: request.ip };
      },
    },
  };
}
