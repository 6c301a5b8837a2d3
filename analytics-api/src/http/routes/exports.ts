import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { generateExports } from '../../exports/export-service.js';
import type { AppContext } from '../context.js';
import { ExportQuery, ExportResultSchema } from '../schemas/exports.js';

export const exportRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/internal/exports/generate',
    {
      schema: {
        tags: ['internal'],
        summary: 'Write the Power BI exports (CSV and Parquet star schema) of one tenant or of every active tenant',
        description:
          'Each tenant gets a new generation under EXPORTS_PATH/<tenant_id>/generations/, made current atomically ' +
          '(EXPORTS_PATH/<tenant_id>/current always holds one complete export). The last EXPORTS_KEEP generations are kept. ' +
          'format=csv or format=parquet writes only that format (the generation then holds only those files). ' +
          'The fact tables are folders of month files (fact_tickets/2026-01.csv, …): only the months whose data changed since ' +
          'the current generation are written, the others are carried over unchanged (hard links); full=true rewrites them all. ' +
          'Errors (application/problem+json): 400 malformed tenant_id or unknown format, 404 unknown tenant, ' +
          '503 when EXPORTS_PATH is missing and cannot be created, is not a folder or is not writable ' +
          '(the detail names the folder and the errno); the previous export then stays current.',
        security: [{ serviceToken: [] }],
        querystring: ExportQuery,
        response: { 201: ExportResultSchema },
      },
    },
    async (request, reply) => {
      // Read from the replica once it has replayed the tenant's last write (every tenant's, without tenant_id).
      const source = await request.readsFor(request.query.tenant_id);
      const result = await generateExports(source, ctx.config, {
        queue: ctx.exportQueue,
        tenantId: request.query.tenant_id,
        format: request.query.format,
        full: request.query.full,
        primary: request.db,
      });
      return reply.code(201).send(result);
    },
  );
};
