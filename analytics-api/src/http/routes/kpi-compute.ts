import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { computeDaily } from '../../kpi/kpi-service.js';
import type { AppContext } from '../context.js';
import { KpiAnswerSchema, KpiComputeQuery } from '../schemas/kpis.js';

export const kpiComputeRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/internal/kpi/compute-daily',
    {
      schema: {
        tags: ['internal'],
        summary: 'Compute and store the daily KPIs of one tenant: a day, a range (at most 366 days) or yesterday',
        description:
          'date=YYYY-MM-DD computes that local day; from/to computes every day of the range in one pass; neither computes ' +
          "yesterday in the tenant's time zone. Days after the tenant's local today are refused (400). Stored values of those days are replaced. Answers like GET /v1/kpis/daily: " +
          'the day, or {"tenant_id","items":[...]} for a range.',
        security: [{ serviceToken: [] }],
        querystring: KpiComputeQuery,
        response: { 200: KpiAnswerSchema },
      },
    },
    async (request) => {
      const query = request.query;
      return computeDaily(request.db, query.tenant_id, { date: query.date, from: query.from, to: query.to }, ctx.readCache);
    },
  );
};
