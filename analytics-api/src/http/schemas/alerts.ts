/** The shapes of the /internal/alerts routes: TypeBox schemas, types by `Static<>`. */
import { Type } from 'typebox';
import type { DayStatus } from '../../alerts/day-assessment.js';
import { CHANNELS } from '../../alerts/notified-store.js';
import { KPI_KEYS } from '../../kpi/kpi-keys.js';
import { LANGUAGES } from '../../reports/locale.js';
import { CalendarDate, Literals, TenantId } from './common.js';

const Kpi = Literals(KPI_KEYS);
const Target = Type.Union([Type.Object({ min: Type.Number() }), Type.Object({ max: Type.Number() })]);
const Channel = Literals(CHANNELS);
const DAY_STATUSES: readonly DayStatus[] = ['missing', 'stale', 'no_targets', 'breached', 'ok'];
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const AlertQuery = Type.Object(
  { date: Type.Optional(CalendarDate), tenant_id: Type.Optional(TenantId) },
  { additionalProperties: false },
);

const AlertItemSchema = Type.Object({
  alert_id: Type.String({ description: 'the same breach (tenant, day, KPI, target) always has this id' }),
  tenant_id: Type.String({ format: 'uuid' }),
  tenant_name: Type.String(),
  date: Type.String(),
  kpi: Kpi,
  value: Type.Number(),
  target: Target,
  comparison: Type.Union([Type.Literal('below_min'), Type.Literal('above_max')]),
  previous_value: NullableNumber,
  notified: Type.Boolean({ description: 'delivered on every channel the tenant has configured' }),
  notifications: Type.Array(Type.Object({ channel: Channel, notified_at: Type.String({ format: 'date-time' }) })),
});

const TenantDaySchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  tenant_name: Type.String(),
  date: Type.String(),
  status: Literals(DAY_STATUSES, { description: 'missing / stale days are never evaluated (and never "ok")' }),
  detail: Type.String(),
  breaches: Type.Integer(),
  no_verdict: Type.Array(Kpi, { description: 'targeted KPIs without a value that day: no verdict, no breach' }),
  language: Literals(LANGUAGES),
});

const DeliveryCommon = {
  tenant_id: Type.String({ format: 'uuid' }),
  tenant_name: Type.String(),
  date: Type.String(),
  alerts: Type.Array(Type.Object({ alert_id: Type.String(), channel: Channel }), { description: 'record each as notified once sent' }),
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

export const AlertListSchema = Type.Object({
  items: Type.Array(AlertItemSchema),
  tenants: Type.Array(TenantDaySchema),
  deliveries: Type.Array(DeliverySchema),
});

export const AlertIdParams = Type.Object({ alert_id: Type.String({ maxLength: 100 }) });

export const NotifiedBody = Type.Object(
  { channel: Channel, notified_at: Type.Optional(Type.String({ format: 'date-time' })) },
  { additionalProperties: false },
);

export const NotifiedSchema = Type.Object({
  alert_id: Type.String(),
  tenant_id: Type.String({ format: 'uuid' }),
  date: Type.String(),
  kpi: Kpi,
  channel: Channel,
  notified_at: Type.String({ format: 'date-time' }),
  created: Type.Boolean(),
});
