import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { tenantSyncStatus } from '../../connectors/sync-status.js';

const SyncStatusSchema = Type.Object({
  psa: Type.Union([Type.String(), Type.Null()], { description: 'connected PSA; null when the data is pushed' }),
  last_sync_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_sync_status: Type.Union([Type.String(), Type.Null()], { description: 'running, succeeded, failed or credentials_refused' }),
  last_sync_error: Type.Union([Type.String(), Type.Null()]),
});

/** The caller's tenant's PSA sync state: the dashboard shows a failing or stale sync as a banner. */
export async function syncStatusRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/v1/sync-status',
    {
      schema: {
        tags: ['kpis'],
        summary: "The caller's tenant's last PSA sync",
        security: [{ apiKey: [] }, { bearerJwt: [] }],
        response: { 200: SyncStatusSchema },
      },
    },
    async (request) => tenantSyncStatus(await request.readsFor(request.tenantId!), request.tenantId!),
  );
}
