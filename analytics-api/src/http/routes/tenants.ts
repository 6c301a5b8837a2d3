import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { listTenantsWithSync } from '../../connectors/sync-status.js';
import type { AppContext } from '../context.js';

export const TenantSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  timezone: Type.String(),
  daily_capacity_hours: Type.Number(),
  source: Type.String(),
  active: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  psa: Type.Union([Type.String(), Type.Null()], { description: 'connected PSA (sync), null when the tenant pushes' }),
  last_sync_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_sync_status: Type.Union([Type.String(), Type.Null()], { description: 'succeeded, failed, credentials_refused or running' }),
  last_sync_error: Type.Union([Type.String(), Type.Null()]),
});

export async function tenantRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/internal/tenants',
    {
      schema: {
        tags: ['internal'],
        summary: 'All tenants, as a JSON array (one n8n item per tenant)',
        security: [{ serviceToken: [] }],
        response: { 200: Type.Array(TenantSchema) },
      },
    },
    async () => listTenantsWithSync(ctx.db),
  );
}
