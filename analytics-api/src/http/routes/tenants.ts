import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { deleteTenant } from '../../tenants/offboarding.js';
import { listTenantsWithSync } from '../../connectors/sync-status.js';
import type { AppContext } from '../context.js';
import { TenantParams } from '../schemas/common.js';
import { TenantDeletionSchema, TenantSchema } from '../schemas/tenants.js';

export const tenantRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
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
    async (request) => listTenantsWithSync(request.db),
  );

  app.delete(
    '/internal/tenants/:id',
    {
      schema: {
        tags: ['internal'],
        summary: 'Offboards a tenant: every row of it in every table, in one transaction, then its exports folder',
        security: [{ serviceToken: [] }],
        params: TenantParams,
        response: { 200: TenantDeletionSchema },
      },
    },
    async (request) =>
      deleteTenant(request.db, ctx.config.exportsPath, request.params.id, { exportQueue: ctx.exportQueue, credentials: ctx.credentials }),
  );
};
