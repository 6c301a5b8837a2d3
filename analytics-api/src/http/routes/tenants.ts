import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { listTenants } from '../../tenants/tenant-service.js';
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
    async () => listTenants(ctx.db),
  );
}
