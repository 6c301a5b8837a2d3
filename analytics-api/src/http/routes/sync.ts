import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { syncTenant } from '../../connectors/sync-service.js';
import { assertUuid } from '../../tenants/tenant-service.js';
import type { AppContext } from '../context.js';
import { EntitySchema, IngestSummarySchema } from '../schemas/ingest.js';

const EntitySyncSchema = Type.Intersect([
  IngestSummarySchema,
  Type.Object({
    full: Type.Boolean(),
    resumed: Type.Boolean(),
    pages: Type.Integer(),
    requests: Type.Integer(),
    retries: Type.Integer(),
    cursor_before: Type.Union([Type.String(), Type.Null()]),
    cursor_after: Type.Union([Type.String(), Type.Null()]),
    deleted: Type.Integer(),
    deletions_refused: Type.Integer(),
  }),
]);

const SyncSummarySchema = Type.Object({
  sync_run_id: Type.String({ format: 'uuid' }),
  tenant_id: Type.String({ format: 'uuid' }),
  psa: Type.String(),
  entities: Type.Array(EntitySyncSchema),
});

export const syncRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/internal/sync',
    {
      schema: {
        tags: ['internal'],
        summary: "Pulls the tenant's changed records from its PSA and upserts them like a push",
        description:
          'Incremental from the stored cursor (minus SYNC_OVERLAP_SECONDS); full=true reads everything and marks records absent from the PSA deleted. ' +
          'A second call for a tenant whose sync runs answers 409 with the running run id; a PSA that refuses the credentials answers 502.',
        security: [{ serviceToken: [] }],
        querystring: Type.Object(
          {
            tenant_id: Type.String({ description: 'tenant UUID' }),
            entity: Type.Optional(Type.Union(EntitySchema.anyOf, { description: 'tickets or time_entries (default: both)' })),
            full: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: SyncSummarySchema },
      },
    },
    async (request) => {
      const query = request.query;
      const tenantId = assertUuid(query.tenant_id, 'tenant_id');
      const summary = await syncTenant(request.db, ctx.config, ctx.activeRuns, tenantId, {
        entity: query.entity,
        full: query.full === true,
      });
      // Synced time entries change the currency /v1/kpis/daily reads (kpi-store.ts readDays).
      await ctx.readCache.bump(tenantId);
      return summary;
    },
  );
};
