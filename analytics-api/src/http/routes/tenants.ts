import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { deleteTenant } from '../../tenants/offboarding.js';
import { listTenantsWithSync } from '../../connectors/sync-status.js';
import type { AppContext } from '../context.js';

const TenantSchema = Type.Object({
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

  app.delete(
    '/internal/tenants/:id',
    {
      schema: {
        tags: ['internal'],
        summary: 'Offboards a tenant: every row of it in every table, in one transaction, then its exports folder',
        security: [{ serviceToken: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        response: {
          200: Type.Object({
            tenant_id: Type.String({ format: 'uuid' }),
            deleted: Type.Boolean(),
            removed: Type.Record(Type.String(), Type.Integer(), { description: 'rows removed per table' }),
            total_rows: Type.Integer(),
            exports_removed: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => deleteTenant(ctx.db, ctx.config.exportsPath, (request.params as { id: string }).id),
  );
}
