import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { dailyReport } from '../../reports/report-service.js';
import type { AppContext } from '../context.js';
import { DailyReportSchema, ReportQuery } from '../schemas/reports.js';

export const reportRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const dashboardUrl = `${ctx.config.publicBaseUrl}/dashboard`;

  app.get(
    '/internal/reports/daily',
    {
      schema: {
        tags: ['internal'],
        summary: "The morning report of a tenant's day, ready to send: {subject, html, text} and its recipients",
        description:
          "In the tenant's language setting unless lang= overrides it; the day's tiles, the week's trend as inline SVG (no " +
          "external image, no script), the missed targets and a link to the dashboard. Default date: yesterday in the tenant's time zone.",
        security: [{ serviceToken: [] }],
        querystring: ReportQuery,
        response: { 200: DailyReportSchema },
      },
    },
    async (request) => {
      const { tenant_id: tenantId, date, lang } = request.query;
      return dailyReport(request.db, { tenantId, date, lang }, dashboardUrl);
    },
  );
};
