import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../errors.js';
import { createRateLimiter, type LimitDecision, type RateLimiter } from '../../ratelimit/rate-limiter.js';
import type { AppContext } from '../context.js';

/** Routes that take a credential: the auth-failure limit applies to them, the request limit to /v1. */
const AUTHENTICATED = /^\/(internal|v1)(\/|\?|$)/;
const PUBLIC_API = /^\/v1(\/|\?|$)/;

function rateLimited(detail: string, limit: LimitDecision): DomainError {
  return new DomainError('rate_limited', detail, undefined, { retryAfterSeconds: limit.resetInSeconds });
}

function setLimitHeaders(reply: FastifyReply, limit: LimitDecision): void {
  reply.header('x-ratelimit-limit', String(limit.limit));
  reply.header('x-ratelimit-remaining', String(limit.remaining));
  reply.header('x-ratelimit-reset', String(limit.resetInSeconds));
}

/** The subject a /v1 request is counted against: its credential once authenticated, else its address. */
function subjectOf(request: FastifyRequest): string {
  // credentialId is a key id, or "jwt" for bearer tokens: tokens are counted per tenant.
  if (request.credentialId && request.tenantId) return `cred:${request.tenantId}:${request.credentialId}`;
  return `ip:${request.ip}`;
}

/**
 * Installs the limits on the root instance, before any route scope is registered, so that every
 * route (and the 404 handler) inherits the hooks:
 * - onRequest: an address that used up AUTH_FAILURES_PER_MINUTE on /internal or /v1 gets 429;
 * - onError: each 401 of those routes is counted against the client address;
 * - preValidation (after the /v1 scope's auth hook set request.credentialId): /v1 requests are
 *   counted per credential against RATE_LIMIT_PER_MINUTE, with x-ratelimit-* headers.
 * 429s are problem+json with Retry-After (through the one error handler).
 */
export function installRateLimits(app: FastifyInstance, ctx: AppContext): RateLimiter {
  const limiter =
    ctx.limiter ??
    createRateLimiter(ctx.config, ctx.redis, {
      onModeChange: (mode, error) => {
        if (mode === 'local')
          app.log.warn({ err: error ? { message: error.message } : undefined }, 'rate limits counted in-process: Redis unavailable');
        else app.log.info('rate limits shared through Redis again');
      },
    });

  app.addHook('onRequest', async (request) => {
    if (!AUTHENTICATED.test(request.url)) return;
    const failures = await limiter.authFailureStatus(request.ip);
    if (!failures.allowed) {
      throw rateLimited(
        `too many failed authentication attempts from this address (limit ${failures.limit} per minute); retry after ${failures.resetInSeconds} s`,
        failures,
      );
    }
  });

  app.addHook('onError', async (request, _reply, error) => {
    if (error instanceof DomainError && error.kind === 'unauthorized' && AUTHENTICATED.test(request.url)) {
      await limiter.recordAuthFailure(request.ip);
    }
  });

  app.addHook('preValidation', async (request, reply) => {
    if (!PUBLIC_API.test(request.url)) return;
    const limit = await limiter.consumeRequest(subjectOf(request));
    setLimitHeaders(reply, limit);
    if (!limit.allowed) {
      throw rateLimited(
        `rate limit of ${limit.limit} requests per minute exceeded for this credential; retry after ${limit.resetInSeconds} s`,
        limit,
      );
    }
  });

  return limiter;
}
