import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { tenantSyncStatus } from '../../connectors/sync-status.js';
import type { AppContext } from '../context.js';
import { SyncStatusSchema } from '../schemas/sync-status.js';

/** The caller's tenant's PSA sync state: the dashboard shows a failing or stale sync as a banner. */
export const syncStatusRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app) => {
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
};
