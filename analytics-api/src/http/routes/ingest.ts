import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { parseIngestBody } from '../../ingest/envelope.js';
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
  skipped: Type.Integer({ description: 'records that are not of this entity (e.g. HaloPSA actions that log no time): neither stored nor rejected' }),
  errors: Type.Array(Issue),
  warnings: Type.Array(Issue),
});

export async function ingestRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post(
    '/internal/ingest/:entity',
    {
      bodyLimit: ctx.config.bodyLimitBytes,
      schema: {
        tags: ['internal'],
        summary: 'Ingest tickets or time entries of one tenant: pushed in the body, or read from its mock files',
        description:
          'With a JSON body (an array of records, {"records":[...]}, or a PSA page as it came: Autotask {"items":[...]} / ' +
          '{"item":{...}}, HaloPSA {"tickets":[...]} / {"actions":[...]}) the records are upserted (push mode); an object body ' +
          'may carry "picklists" ({field: {value: label}}) and "rates" ({roles, contract_roles}) for the PSA mappers. ' +
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
      const body = parseIngestBody(request.body, entity);
      const summary = await ingest(ctx.db, ctx.config, ctx.activeRuns, {
        tenantId: query.tenant_id,
        entity,
        source: query.source,
        records: body?.records,
        labels: body?.labels,
        rates: body?.rates,
      });
      // /v1/kpis/daily reads the currency from the stored time entries (kpi-store.ts readDays).
      if (entity === 'time_entries') await ctx.readCache.bump(summary.tenant_id);
      return summary;
    },
  );
}
