import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ReadSide } from '../../db/read-side.js';
import { isUuid } from '../../tenants/tenant-id.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The tenant a write request names: ?tenant_id= (ingest, compute, sync, export) or /tenants/:id. */
function tenantOf(request: FastifyRequest): string | undefined {
  const fromQuery = (request.query as { tenant_id?: unknown } | undefined)?.tenant_id;
  const fromPath = request.routeOptions.url?.startsWith('/internal/tenants/:id') ? (request.params as { id?: unknown }).id : undefined;
  const tenant = fromQuery ?? fromPath;
  return isUuid(tenant) ? tenant.toLowerCase() : undefined;
}

/**
 * With a read replica: after every successful write request of this scope, and before its answer
 * leaves, the primary's WAL position is remembered for the tenant it named (for every tenant when it
 * named none), so the caller's next read of that tenant waits for the replica to replay it
 * (db/replica-reads.ts). Before the answer: n8n's next step (an export after a compute) cannot
 * overtake it.
 */
export function rememberWritePositions(app: FastifyInstance, reads: ReadSide): void {
  if (!reads.replicated) return;
  app.addHook('onSend', async (request, reply, payload) => {
    if (!WRITES.has(request.method) || reply.statusCode >= 400) return payload;
    try {
      await reads.wrote(tenantOf(request));
    } catch (error) {
      // The primary answered the write a moment ago; if it cannot say its position now, the reads of
      // this tenant may be served by a replica that has not replayed it yet: say so.
      request.log.warn(
        { err: { message: (error as Error).message } },
        'WAL position after a write not recorded; a read may miss this write until the replica replays it',
      );
    }
    return payload;
  });
}
