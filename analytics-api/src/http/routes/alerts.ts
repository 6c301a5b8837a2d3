import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listAlerts, markNotified } from '../../alerts/alert-service.js';
import type { AppContext } from '../context.js';
import { AlertIdParams, AlertListSchema, AlertQuery, NotifiedBody, NotifiedSchema } from '../schemas/alerts.js';

export const alertRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const dashboardUrl = `${ctx.config.publicBaseUrl}/dashboard`;

  app.get(
    '/internal/alerts',
    {
      schema: {
        tags: ['internal'],
        summary: 'KPI target breaches of a day: one item per breach, one status per tenant, the messages still to send',
        description:
          "Evaluates each tenant's kpi_targets against the day's KPIs (default: yesterday in each tenant's time zone; every " +
          'active tenant unless tenant_id). A missing or stale day is reported as such in `tenants`, never as ok. `deliveries` ' +
          'holds one message per tenant and channel for the breaches not yet recorded as delivered on that channel.',
        security: [{ serviceToken: [] }],
        querystring: AlertQuery,
        response: { 200: AlertListSchema },
      },
    },
    async (request) => {
      const { date, tenant_id: tenantId } = request.query;
      return listAlerts(request.db, { date, tenantId }, dashboardUrl);
    },
  );

  app.post(
    '/internal/alerts/:alert_id/notified',
    {
      schema: {
        tags: ['internal'],
        summary: 'Record that an alert was delivered on a channel (a second run then sends nothing twice)',
        description: '201 when recorded, 200 when it already was (the first record is kept); 404 when the id is not a current breach.',
        security: [{ serviceToken: [] }],
        params: AlertIdParams,
        body: NotifiedBody,
        response: { '2xx': NotifiedSchema },
      },
    },
    async (request, reply) => {
      const record = await markNotified(request.db, request.params.alert_id, request.body);
      return reply.code(record.created ? 201 : 200).send(record);
    },
  );
};
