import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CancelScope } from '../../db/cancel-scope.js';
import type { Database } from '../../db/database.js';
import { problem, sendProblem } from '../problem.js';
import type { AppContext } from '../context.js';

declare module 'fastify' {
  interface FastifyRequest {
    cancelScope: CancelScope;
    /** The primary, its statements cancelled with this request past REQUEST_TIMEOUT_MS: what handlers give services. */
    readonly db: Database;
    /** ctx.reads.forTenant, its statements cancelled with this request past REQUEST_TIMEOUT_MS. */
    readsFor(tenantId: string | undefined): Promise<Database>;
  }
}

const TIMER = Symbol('handler-timeout');
const DB = Symbol('request-db');
type WithTimer = { [TIMER]?: NodeJS.Timeout; [DB]?: Database };

/**
 * A handler still running REQUEST_TIMEOUT_MS after its request was received is answered with 503, and
 * its work is cancelled: the statements it runs through request.db (or request.readsFor) on PostgreSQL
 * are cancelled (their connections go back to the pool) and it cannot start new ones
 * (db/cancel-scope.ts). Node's own requestTimeout only covers receiving the request (408,
 * client-errors.ts).
 *
 * The scope is passed explicitly (request.db is a view of ctx.db bound to it, made on first use) rather
 * than through AsyncLocalStorage, whose promise hooks every request paid for, also a cached /v1 answer
 * that never reaches the database.
 */
export function installHandlerTimeout(app: FastifyInstance, ctx: AppContext): void {
  const timeoutMs = ctx.config.requestTimeoutMs;
  app.decorateRequest('cancelScope', null as unknown as CancelScope);
  app.decorateRequest('db', {
    getter(this: FastifyRequest) {
      const self = this as FastifyRequest & WithTimer;
      return (self[DB] ??= ctx.db.withCancelScope(this.cancelScope));
    },
  });
  app.decorateRequest('readsFor', async function (this: FastifyRequest, tenantId: string | undefined) {
    return (await ctx.reads.forTenant(tenantId)).withCancelScope(this.cancelScope);
  });

  app.addHook('onRequest', (request, _reply, done) => {
    request.cancelScope = new CancelScope();
    done();
  });

  // The clock starts once the request is received (body parsed): receiving it has its own limit,
  // Node's requestTimeout (408), and the two must not race on a slow upload.
  app.addHook('preValidation', (request, reply, done) => {
    const scope = request.cancelScope;
    const timer = setTimeout(() => {
      if (reply.sent) return;
      void scope.cancel();
      request.log.warn({ timeout_ms: timeoutMs }, 'handler ran past REQUEST_TIMEOUT_MS: answered 503, its work cancelled');
      reply.header('retry-after', '5');
      void sendProblem(
        reply,
        problem(503, `the request took longer than the server's limit of ${timeoutMs} ms and was cancelled; retry later or ask for less`),
      );
    }, timeoutMs);
    timer.unref();
    (request as WithTimer)[TIMER] = timer;
    // Also when the client goes away before an answer (onResponse does not run then).
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });

  app.addHook('onResponse', (request, _reply, done) => {
    clearTimeout((request as WithTimer)[TIMER]);
    done();
  });
}
