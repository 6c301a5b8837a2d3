import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../db/db-errors.js';
import { DomainError } from '../errors.js';
import { problem, sendProblem, STATUS_OF_KIND } from './problem.js';

/** Maps every error to problem+json. 5xx bodies never carry internals (stack, SQL, messages). */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) {
      const status = STATUS_OF_KIND[error.kind];
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      if (status >= 500) request.log.warn({ err: error.cause ?? error }, error.detail);
      return sendProblem(reply, problem(status, error.detail, error.errors ? { errors: error.errors } : {}));
    }
    if (error.validation) {
      const errors = error.validation.map((item) => ({
        field: `${error.validationContext ?? 'request'}${item.instancePath || ''}`.replaceAll('/', '.'),
        detail: item.message ?? 'invalid',
      }));
      const detail = errors.map((e) => `${e.field} ${e.detail}`).join('; ');
      return sendProblem(reply, problem(400, `invalid request: ${detail}`, { errors }));
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      reply.header('retry-after', '5');
      return sendProblem(reply, problem(503, 'the database is unavailable; retry shortly'));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, unsupported media type...).
      const detail =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'request body is larger than the configured limit'
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'unsupported content type: send application/json'
            : error.message;
      return sendProblem(reply, problem(status, detail));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, problem(500, 'an unexpected error occurred; it has been logged with this request id'));
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problem(404, `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
