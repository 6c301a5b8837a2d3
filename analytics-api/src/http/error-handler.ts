import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../db/db-errors.js';
import { DomainError } from '../errors.js';
import { problem, sendProblem, STATUS_OF_KIND } from './problem.js';

type ValidationItem = NonNullable<FastifyError['validation']>[number];

/**
 * A value outside a fixed set fails a union of literals as one "must be equal to constant" per
 * literal and then "must match a schema in anyOf": said instead as one "must be one of a, b, c".
 */
function readableValidation(items: ValidationItem[]): Pick<ValidationItem, 'instancePath' | 'message'>[] {
  const allowed = new Map<string, unknown[]>();
  for (const item of items) {
    const params = item.params as { allowedValue?: unknown; allowedValues?: unknown[] };
    if (item.keyword === 'const') allowed.set(item.instancePath, [...(allowed.get(item.instancePath) ?? []), params.allowedValue]);
    if (item.keyword === 'enum' && Array.isArray(params.allowedValues)) allowed.set(item.instancePath, params.allowedValues);
  }
  const out: Pick<ValidationItem, 'instancePath' | 'message'>[] = [];
  for (const item of items) {
    const values = allowed.get(item.instancePath);
    if (values && ['const', 'enum', 'anyOf'].includes(item.keyword)) {
      if (out.some((o) => o.instancePath === item.instancePath && o.message?.startsWith('must be one of'))) continue;
      out.push({ instancePath: item.instancePath, message: `must be one of ${values.map(String).join(', ')}` });
    } else out.push(item);
  }
  return out;
}

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
      const errors = readableValidation(error.validation).map((item) => ({
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
