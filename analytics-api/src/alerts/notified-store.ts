import type { Queryable } from '../db/database.js';

/** SQL for alert_notifications (migration 008): which breach was sent on which channel, and when. */

export type Channel = 'email' | 'webhook';
export const CHANNELS: readonly Channel[] = ['email', 'webhook'];

export interface RecordedDelivery {
  alert_id: string;
  channel: Channel;
  notified_at: Date;
}

/** The deliveries recorded for the tenant's breaches of `date`. */
export async function recordedOfDay(db: Queryable, tenantId: string, date: string): Promise<RecordedDelivery[]> {
  const { rows } = await db.query<RecordedDelivery>(
    `SELECT alert_id, channel, notified_at FROM alert_notifications
      WHERE kpi_date = $1::date AND tenant_id = $2::uuid ORDER BY alert_id, channel`,
    [date, tenantId],
  );
  return rows;
}

export interface NewDelivery {
  alertId: string;
  channel: Channel;
  tenantId: string;
  date: string;
  kpi: string;
  notifiedAt: string;
}

/**
 * Records a delivery once: a second record of the same alert and channel keeps the first one (n8n
 * may retry the call after a lost answer). Returns the delivery as stored and whether it is new.
 */
export async function recordDelivery(db: Queryable, delivery: NewDelivery): Promise<{ delivery: RecordedDelivery; created: boolean }> {
  const inserted = await db.query<RecordedDelivery>(
    `INSERT INTO alert_notifications (alert_id, channel, tenant_id, kpi_date, kpi_key, notified_at)
     VALUES ($1, $2, $3::uuid, $4::date, $5, $6::timestamptz)
     ON CONFLICT (tenant_id, alert_id, channel) DO NOTHING
     RETURNING alert_id, channel, notified_at`,
    [delivery.alertId, delivery.channel, delivery.tenantId, delivery.date, delivery.kpi, delivery.notifiedAt],
  );
  if (inserted.rows[0]) return { delivery: inserted.rows[0], created: true };
  const { rows } = await db.query<RecordedDelivery>(
    `SELECT alert_id, channel, notified_at FROM alert_notifications WHERE tenant_id = $1::uuid AND alert_id = $2 AND channel = $3`,
    [delivery.tenantId, delivery.alertId, delivery.channel],
  );
  return { delivery: rows[0]!, created: false };
}
