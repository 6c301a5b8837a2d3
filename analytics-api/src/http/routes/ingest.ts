import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { invalid } from '../../errors.js';
import { ingest } from '../../ingest/ingest-service.js';
import type { AppContext } from '../context.js';

const Issue = Type.Object({ index: Type.Integer(), external_id: Type.Union([Type.String(), Type.Null()]), detail: Type.String() });

export const IngestSummarySchema = Type.Object({
  run_id: Type.String({ format: 'uuid' }),
  tenant_id: Type.String({ format: 'uuid' }),
  entity: Type.String(),
  source: Type.String(),
  mode: Type.String(),
  received: Type.Integer(),
  inserted: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  errors: Type.Array(Issue),
  warnings: Type.Array(Issue),
});

/** The body may be an array of records or `{"records": [...]}`; anything else is refused. */
function recordsOfBody(body: unknown): unknown[] | undefined {
  if (body === undefined || body === null) return undefined;
  if (Array.isArray(body)) return body;
  if (typeof body === 'object' && Array.isArray((body as { records?: unknown }).records)) {
    return (body as { records: unknown[] }).records;
  }
  throw invalid('the body must be a JSON array of records, or an object {"records": [...]}');
}

export async function ingestRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post(
    '/internal/ingest/:entity',
    {
      bodyLimit: ctx.config.bodyLimitBytes,
      schema: {
        tags: ['internal'],
        summary: 'Ingest tickets or time entries of one tenant: pushed in the body, or read from its mock files',
        description:
          'With a JSON body (an array of records, or {"records":[...]}) the records are upserted (push mode). ' +
          'Without a body and MOCK_MODE=true the tenant\'s mock files are read. source: canonical (default for push), connectwise, autotask, halopsa.',
        security: [{ serviceToken: [] }],
        params: Type.Object({ entity: Type.Union([Type.Literal('tickets'), Type.Literal('time_entries')]) }),
        querystring: Type.Object(
          { tenant_id: Type.String({ description: 'tenant UUID' }), source: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
        response: { 200: IngestSummarySchema },
      },
    },
    async (request) => {
      const { entity } = request.params as { entity: 'tickets' | 'time_entries' };
      const query = request.query as { tenant_id: string; source?: string };
      return ingest(ctx.db, ctx.config, {
        tenantId: query.tenant_id,
        entity,
        source: query.source,
        records: recordsOfBody(request.body),
      });
    },
  );
}
