import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { dailyReport } from '../../reports/report-service.js';
import type { AppContext } from '../context.js';

export async function reportRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
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
        querystring: Type.Object(
          {
            tenant_id: Type.String({ description: 'tenant UUID' }),
            date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
            lang: Type.Optional(Type.String({ description: 'en or fr' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            tenant_id: Type.String({ format: 'uuid' }),
            tenant_name: Type.String(),
            date: Type.String(),
            language: Type.Union([Type.Literal('en'), Type.Literal('fr')]),
            status: Type.String({ description: 'missing, stale, no_targets, breached or ok' }),
            recipients: Type.Array(Type.String()),
            subject: Type.String(),
            html: Type.String(),
            text: Type.String(),
          }),
        },
      },
    },
    async (request) => {
      const query = request.query as { tenant_id: string; date?: string; lang?: string };
      return dailyReport(request.db, { tenantId: query.tenant_id, date: query.date, lang: query.lang }, dashboardUrl);
    },
  );
}
