import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { generateExports, type ExportFormat } from '../../exports/export-service.js';
import type { AppContext } from '../context.js';

const ExportFileSchema = Type.Object({
  name: Type.String({ description: 'file name inside the tenant folder, e.g. fact_tickets.parquet' }),
  format: Type.Union([Type.Literal('csv'), Type.Literal('parquet')]),
  rows: Type.Integer({ description: 'data rows (the CSV header is not counted)' }),
  bytes: Type.Integer(),
  sha256: Type.String({ description: 'hex SHA-256 of the file, as in manifest.json' }),
});

const TenantExportSchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  path: Type.String({ description: 'the stable folder Power BI points at: <EXPORTS_PATH>/<tenant_id>/current' }),
  generation: Type.String({ description: 'id of the generation just made current' }),
  generation_path: Type.String({ description: 'where that generation is stored: <EXPORTS_PATH>/<tenant_id>/generations/<generation>' }),
  generated_at: Type.String({ format: 'date-time' }),
  data_as_of: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'latest change to the tenant data (a record changed or an ingestion run succeeded)',
  }),
  files: Type.Array(ExportFileSchema, { description: 'every file written (manifest.json aside): CSV and Parquet per table, unless format chose one' }),
  pruned: Type.Array(Type.String(), { description: 'older generations removed to keep EXPORTS_KEEP' }),
});

const ExportResultSchema = Type.Object({
  generated_at: Type.String({ format: 'date-time' }),
  exports: Type.Array(TenantExportSchema),
});

const Query = Type.Object({
  tenant_id: Type.Optional(Type.String({ format: 'uuid', description: 'one tenant; omit for every active tenant' })),
  format: Type.Optional(
    Type.Union([Type.Literal('both'), Type.Literal('csv'), Type.Literal('parquet')], {
      description: 'which files each table gets: both (default), or only csv or only parquet',
    }),
  ),
});

export async function exportRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Querystring: { tenant_id?: string; format?: ExportFormat } }>(
    '/internal/exports/generate',
    {
      schema: {
        tags: ['internal'],
        summary: 'Write the Power BI exports (CSV and Parquet star schema) of one tenant or of every active tenant',
        description:
          'Each tenant gets a new generation under EXPORTS_PATH/<tenant_id>/generations/, made current atomically ' +
          '(EXPORTS_PATH/<tenant_id>/current always holds one complete export). The last EXPORTS_KEEP generations are kept. ' +
          'format=csv or format=parquet writes only that format (the generation then holds only those files). ' +
          'Errors (application/problem+json): 400 malformed tenant_id or unknown format, 404 unknown tenant, ' +
          '503 when EXPORTS_PATH is missing and cannot be created, is not a folder or is not writable ' +
          '(the detail names the folder and the errno); the previous export then stays current.',
        security: [{ serviceToken: [] }],
        querystring: Query,
        response: { 201: ExportResultSchema },
      },
    },
    async (request, reply) => {
      const result = await generateExports(ctx.db, ctx.config, { tenantId: request.query.tenant_id, format: request.query.format });
      return reply.code(201).send(result);
    },
  );
}
