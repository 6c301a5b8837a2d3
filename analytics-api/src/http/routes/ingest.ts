import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseIngestBody } from '../../ingest/envelope.js';
import { ingest } from '../../ingest/ingest-service.js';
import type { AppContext } from '../context.js';
import { IngestParams, IngestQuery, IngestSummarySchema } from '../schemas/ingest.js';

export const ingestRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
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
          "Without a body and MOCK_MODE=true the tenant's mock files are read. source: canonical (default for push), connectwise, autotask, halopsa.",
        security: [{ serviceToken: [] }],
        params: IngestParams,
        querystring: IngestQuery,
        response: { 200: IngestSummarySchema },
      },
    },
    async (request) => {
      const { entity } = request.params;
      const query = request.query;
      const body = parseIngestBody(request.body, entity);
      const summary = await ingest(request.db, ctx.config, ctx.activeRuns, {
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
};
