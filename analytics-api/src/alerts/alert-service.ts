import type { Queryable } from '../db/database.js';
import { invalid, notFound } from '../errors.js';
import { parseIsoDate } from '../kpi/dates.js';
import type { KpiKey } from '../kpi/kpi-keys.js';
import type { Language } from '../reports/locale.js';
import { effectiveConfig } from '../tenant-config/effective-config.js';
import { getTenant, listTenants, type Tenant } from '../tenants/tenant-service.js';
import { alertEmail, alertWebhook, type BreachLine, type EmailMessage, type WebhookMessage } from './alert-message.js';
import { assessDay, type DayStatus } from './day-assessment.js';
import { alertId, parseAlertId, type KpiTarget } from './evaluate.js';
import { CHANNELS, recordedOfDay, recordDelivery, type Channel } from './notified-store.js';

/**
 * KPI alerts: each tenant's kpi_targets evaluated against a day's KPIs, with the deliveries already
 * recorded, and the messages still to send. No HTTP here.
 */

export interface AlertItem extends BreachLine {
  alert_id: string;
  tenant_id: string;
  tenant_name: string;
  date: string;
  /** Delivered on every channel the tenant has configured (false when it has none). */
  notified: boolean;
  notifications: { channel: Channel; notified_at: string }[];
}

export interface TenantAlertDay {
  tenant_id: string;
  tenant_name: string;
  date: string;
  status: DayStatus;
  /** Why the status says what it says, in one sentence. */
  detail: string;
  breaches: number;
  /** Targeted KPIs without a value on that day: no verdict, so no breach. */
  no_verdict: KpiKey[];
  language: Language;
}

interface DeliveryBase {
  tenant_id: string;
  tenant_name: string;
  date: string;
  /** The alerts this message carries: each to record as notified on `channel` once it is sent. */
  alerts: { alert_id: string; channel: Channel }[];
}

/**
 * A message still to send: the breaches of one tenant's day not yet recorded as delivered on that
 * channel, to its alert_recipients (one e-mail) or to its alert_webhook_url (one chat message).
 */
export type Delivery =
  | (DeliveryBase & EmailMessage & { channel: 'email'; to: string })
  | (DeliveryBase & { channel: 'webhook'; url: string; body: WebhookMessage });

export interface AlertList {
  items: AlertItem[];
  tenants: TenantAlertDay[];
  deliveries: Delivery[];
}

const DETAIL: Record<DayStatus, string> = {
  missing: 'the KPIs of this day have not been computed: nothing was evaluated',
  stale: 'the KPIs of this day were computed with an older configuration and are being recomputed: evaluated once current',
  no_targets: 'the tenant has no kpi_targets',
  breached: 'at least one KPI target was missed',
  ok: 'every KPI target with a value was met',
};

export interface AlertQuery {
  /** Undefined → yesterday in each tenant's time zone. */
  date?: string;
  /** Undefined → every active tenant. */
  tenantId?: string;
}

export async function listAlerts(db: Queryable, query: AlertQuery, dashboardUrl: string): Promise<AlertList> {
  const date = query.date === undefined ? undefined : parseIsoDate(query.date, 'date');
  const tenants = query.tenantId ? [await getTenant(db, query.tenantId)] : (await listTenants(db)).filter((t) => t.active);
  const result: AlertList = { items: [], tenants: [], deliveries: [] };
  for (const tenant of tenants) {
    const { items, day, deliveries } = await tenantAlerts(db, tenant, date, dashboardUrl);
    result.items.push(...items);
    result.tenants.push(day);
    result.deliveries.push(...deliveries);
  }
  return result;
}

async function tenantAlerts(
  db: Queryable,
  tenant: Tenant,
  date: string | undefined,
  dashboardUrl: string,
): Promise<{ items: AlertItem[]; day: TenantAlertDay; deliveries: Delivery[] }> {
  const assessment = await assessDay(db, tenant, date);
  const { config } = assessment;
  const recorded = assessment.verdict.breaches.length > 0 ? await recordedOfDay(db, tenant.id, assessment.date) : [];
  const configured: Channel[] = CHANNELS.filter((c) =>
    c === 'email' ? config.alert_recipients.length > 0 : config.alert_webhook_url !== null,
  );
  const items: AlertItem[] = assessment.verdict.breaches.map((breach) => {
    const id = alertId(tenant.id, assessment.date, breach.kpi, breach.target);
    const notifications = recorded
      .filter((d) => d.alert_id === id)
      .map((d) => ({ channel: d.channel, notified_at: d.notified_at.toISOString() }));
    return {
      alert_id: id,
      tenant_id: tenant.id,
      tenant_name: tenant.name,
      date: assessment.date,
      kpi: breach.kpi,
      value: breach.value,
      target: breach.target,
      comparison: breach.comparison,
      previous_value: assessment.previous?.kpis[breach.kpi] ?? null,
      notified: configured.length > 0 && configured.every((c) => notifications.some((n) => n.channel === c)),
      notifications,
    };
  });
  const pending = (channel: Channel) => items.filter((item) => !item.notifications.some((n) => n.channel === channel));
  const language = config.language;
  const pendingEmail = pending('email');
  const pendingWebhook = pending('webhook');
  const day: TenantAlertDay = {
    tenant_id: tenant.id,
    tenant_name: tenant.name,
    date: assessment.date,
    status: assessment.status,
    detail: DETAIL[assessment.status],
    breaches: items.length,
    no_verdict: assessment.verdict.no_verdict,
    language,
  };
  const base = (channel: Channel, lines: AlertItem[]): DeliveryBase => ({
    tenant_id: tenant.id,
    tenant_name: tenant.name,
    date: assessment.date,
    alerts: lines.map((i) => ({ alert_id: i.alert_id, channel })),
  });
  const deliveries: Delivery[] = [];
  if (config.alert_recipients.length > 0 && pendingEmail.length > 0) {
    deliveries.push({
      ...base('email', pendingEmail),
      channel: 'email',
      to: config.alert_recipients.join(', '),
      ...alertEmail(tenant.name, assessment.date, pendingEmail, dashboardUrl, language),
    });
  }
  if (config.alert_webhook_url !== null && pendingWebhook.length > 0) {
    deliveries.push({
      ...base('webhook', pendingWebhook),
      channel: 'webhook',
      url: config.alert_webhook_url,
      body: alertWebhook(tenant.name, assessment.date, pendingWebhook, dashboardUrl, language),
    });
  }
  return { items, day, deliveries };
}

export interface NotifiedInput {
  channel: Channel;
  /** When the message was sent; default now. */
  notified_at?: string;
}

export interface NotifiedRecord {
  alert_id: string;
  tenant_id: string;
  date: string;
  kpi: KpiKey;
  channel: Channel;
  notified_at: string;
  /** false when this delivery was already recorded (the first record is kept). */
  created: boolean;
}

/**
 * Records that `alertId` was delivered on `channel`. The id must be a current breach: its day and
 * KPI are read from it, and the tenant is the one whose target gives that id and whose day misses it.
 */
export async function markNotified(db: Queryable, id: string, input: NotifiedInput): Promise<NotifiedRecord> {
  const parsed = parseAlertId(id);
  if (!parsed)
    throw invalid('alert_id is not an alert id (YYYY-MM-DD.<kpi>.<16 hex digits>)', [{ field: 'alert_id', detail: 'malformed' }]);
  if (!CHANNELS.includes(input.channel))
    throw invalid(`channel must be one of ${CHANNELS.join(', ')}`, [{ field: 'channel', detail: 'unknown channel' }]);
  const notifiedAt = input.notified_at === undefined ? new Date() : new Date(input.notified_at);
  if (Number.isNaN(notifiedAt.getTime()))
    throw invalid('notified_at must be an ISO 8601 date-time', [{ field: 'notified_at', detail: 'not a date-time' }]);
  for (const tenant of await listTenants(db)) {
    // The configuration alone says whose id it is; only that tenant's day is then evaluated.
    const target = (await effectiveConfig(db, tenant)).config.kpi_targets[parsed.kpi] as KpiTarget | undefined;
    if (!target || alertId(tenant.id, parsed.date, parsed.kpi, target) !== id) continue;
    const assessment = await assessDay(db, tenant, parsed.date);
    if (!assessment.verdict.breaches.some((b) => b.kpi === parsed.kpi)) break;
    const { delivery, created } = await recordDelivery(db, {
      alertId: id,
      channel: input.channel,
      tenantId: tenant.id,
      date: parsed.date,
      kpi: parsed.kpi,
      notifiedAt: notifiedAt.toISOString(),
    });
    return {
      alert_id: id,
      tenant_id: tenant.id,
      date: parsed.date,
      kpi: parsed.kpi,
      channel: delivery.channel,
      notified_at: delivery.notified_at.toISOString(),
      created,
    };
  }
  throw notFound(
    `alert ${id} is not a current breach of any tenant (wrong id, a changed target, or the day was recomputed and now meets it)`,
  );
}
