import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { listAlerts, markNotified } from '../../alerts/alert-service.js';
import { KPI_KEYS } from '../../kpi/kpi-keys.js';
import type { AppContext } from '../context.js';

const DATE = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'calendar date, YYYY-MM-DD' });
const KPI = Type.Union(KPI_KEYS.map((k) => Type.Literal(k)));
const TARGET = Type.Union([Type.Object({ min: Type.Number() }), Type.Object({ max: Type.Number() })]);
const CHANNEL = Type.Union([Type.Literal('email'), Type.Literal('webhook')]);
const NULLABLE_NUMBER = Type.Union([Type.Number(), Type.Null()]);

const AlertItemSchema = Type.Object({
  alert_id: Type.String({ description: 'the same breach (tenant, day, KPI, target) always has this id' }),
  tenant_id: Type.String({ format: 'uuid' }),
  tenant_name: Type.String(),
  date: Type.String(),
  kpi: KPI,
  value: Type.Number(),
  target: TARGET,
  comparison: Type.Union([Type.Literal('below_min'), Type.Literal('above_max')]),
  previous_value: NULLABLE_NUMBER,
  notified: Type.Boolean({ description: 'delivered on every channel the tenant has configured' }),
  notifications: Type.Array(Type.Object({ channel: CHANNEL, notified_at: Type.String({ format: 'date-time' }) })),
});

const TenantDaySchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  tenant_name: Type.String(),
  date: Type.String(),
  status: Type.Union(
    ['missing', 'stale', 'no_targets', 'breached', 'ok'].map((s) => Type.Literal(s)),
    {
      description: 'missing / stale days are never evaluated (and never "ok")',
    },
  ),
  detail: Type.String(),
  breaches: Type.Integer(),
  no_verdict: Type.Array(KPI, { description: 'targeted KPIs without a value that day: no verdict, no breach' }),
  language: Type.Union([Type.Literal('en'), Type.Literal('fr')]),
});

const DeliveryCommon = {
  tenant_id: Type.String({ format: 'uuid' }),
  tenant_name: Type.String(),
  date: Type.String(),
  alerts: Type.Array(Type.Object({ alert_id: Type.String(), channel: CHANNEL }), { description: 'record each as notified once sent' }),
};
const DeliverySchema = Type.Union([
  Type.Object({
    ...DeliveryCommon,
    channel: Type.Literal('email'),
    to: Type.String({ description: "the tenant's alert_recipients, comma-separated" }),
    subject: Type.String(),
    text: Type.String(),
    html: Type.String(),
  }),
  Type.Object({
    ...DeliveryCommon,
    channel: Type.Literal('webhook'),
    url: Type.String({ description: "the tenant's alert_webhook_url" }),
    body: Type.Record(Type.String(), Type.String(), { description: 'Teams (MessageCard) and Slack (text) incoming-webhook JSON' }),
  }),
]);

export async function alertRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
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
        querystring: Type.Object(
          { date: Type.Optional(DATE), tenant_id: Type.Optional(Type.String({ description: 'tenant UUID' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(AlertItemSchema),
            tenants: Type.Array(TenantDaySchema),
            deliveries: Type.Array(DeliverySchema),
          }),
        },
      },
    },
    async (request) => {
      const query = request.query as { date?: string; tenant_id?: string };
      return listAlerts(request.db, { date: query.date, tenantId: query.tenant_id }, dashboardUrl);
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
        params: Type.Object({ alert_id: Type.String({ maxLength: 100 }) }),
        body: Type.Object(
          { channel: CHANNEL, notified_at: Type.Optional(Type.String({ format: 'date-time' })) },
          { additionalProperties: false },
        ),
        response: {
          '2xx': Type.Object({
            alert_id: Type.String(),
            tenant_id: Type.String({ format: 'uuid' }),
            date: Type.String(),
            kpi: KPI,
            channel: CHANNEL,
            notified_at: Type.String({ format: 'date-time' }),
            created: Type.Boolean(),
          }),
        },
      },
    },
    async (request, reply) => {
      const record = await markNotified(
        request.db,
        (request.params as { alert_id: string }).alert_id,
        request.body as { channel: 'email' | 'webhook'; notified_at?: string },
      );
      return reply.code(record.created ? 201 : 200).send(record);
    },
  );
}
