import { AsyncResource } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import { CancelScope, runInCancelScope } from '../../db/cancel-scope.js';
import { problem, sendProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    cancelScope?: CancelScope;
  }
}

const RESOURCE = Symbol('cancel-scope-resource');
const TIMER = Symbol('handler-timeout');
type WithResource = { [RESOURCE]?: AsyncResource; [TIMER]?: NodeJS.Timeout };

/**
 * A handler still running REQUEST_TIMEOUT_MS after its request was received is answered with 503, and
 * its work is cancelled: the statements it runs on PostgreSQL are cancelled (their connections go back
 * to the pool) and it cannot start new ones (db/cancel-scope.ts). Node's own requestTimeout only
 * covers receiving the request (408, client-errors.ts).
 *
 * The scope is entered in onRequest (the auth hooks' queries belong to it) and re-entered in
 * preValidation: body parsing runs in the socket's async context, which would otherwise lose it (as
 * @fastify/request-context does).
 */
export function installHandlerTimeout(app: FastifyInstance, timeoutMs: number): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const scope = new CancelScope();
    request.cancelScope = scope;
    runInCancelScope(scope, () => {
      (request as WithResource)[RESOURCE] = new AsyncResource('msp-request');
      done();
    });
  });

  // The clock starts once the request is received (body parsed): receiving it has its own limit,
  // Node's requestTimeout (408), and the two must not race on a slow upload.
  app.addHook('preValidation', (request, reply, done) => {
    const scope = request.cancelScope;
    const timer = setTimeout(() => {
      if (reply.sent) return;
      void scope?.cancel();
      request.log.warn({ timeout_ms: timeoutMs }, 'handler ran past REQUEST_TIMEOUT_MS: answered 503, its work cancelled');
      reply.header('retry-after', '5');
      void sendProblem(
        reply,
        problem(503, `the request took longer than the server's limit of ${timeoutMs} ms and was cancelled; retry later or ask for less`),
      );
    }, timeoutMs);
    timer.unref();
    (request as WithResource)[TIMER] = timer;
    // Also when the client goes away before an answer (onResponse does not run then).
    reply.raw.once('close', () => clearTimeout(timer));
    const resource = (request as WithResource)[RESOURCE];
    if (resource) resource.runInAsyncScope(done, request.raw);
    else done();
  });

  app.addHook('onResponse', (request, _reply, done) => {
    clearTimeout((request as WithResource)[TIMER]);
    done();
  });
}
