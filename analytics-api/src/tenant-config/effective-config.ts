import { isDeepStrictEqual } from 'node:util';
import type { Queryable } from '../db/database.js';
import { DEFAULT_CONFIG, kpiSettings, type ConfigDocument } from './config-schema.js';
import * as store from './config-store.js';

/**
 * The configuration a tenant's KPIs are computed with: the stored document (defaults when none),
 * with the time zone and daily capacity of the tenants table, their one source of truth.
 */
export interface EffectiveConfig {
  version: number;
  config: ConfigDocument;
  changed_by: store.ChangedBy | null;
  changed_at: string | null;
}

export interface TenantDay {
  id: string;
  timezone: string;
  daily_capacity_hours: number;
}

export async function effectiveConfig(db: Queryable, tenant: TenantDay): Promise<EffectiveConfig> {
  const stored = await store.currentConfig(db, tenant.id);
  const document = { ...structuredClone(DEFAULT_CONFIG), ...(stored?.document ?? {}) } as ConfigDocument;
  return {
    version: stored?.version ?? 0,
    config: { ...document, timezone: tenant.timezone, daily_capacity_hours: Number(tenant.daily_capacity_hours) },
    changed_by: stored?.changed_by ?? null,
    changed_at: stored?.changed_at ? stored.changed_at.toISOString() : null,
  };
}

/** What a stored KPI day's values depend on in a configuration (kpi-store's ComputeTarget). */
export function kpiInputs(config: ConfigDocument): { timezone: string; dailyCapacityHours: number; settings: Record<string, unknown> } {
  return { timezone: config.timezone, dailyCapacityHours: config.daily_capacity_hours, settings: kpiSettings(config) };
}

/** What kpi-store's ComputeTarget needs of a configuration. */
export function computeSettings(effective: EffectiveConfig): ReturnType<typeof kpiInputs> & { configVersion: number } {
  return { ...kpiInputs(effective.config), configVersion: effective.version };
}

/**
 * Whether two documents give every stored KPI the same value (the same kpiInputs). Key order does
 * not count (a document read back from jsonb has another), nor do fields the computation never
 * reads (kpi_targets, currency, language, recipients).
 */
export function sameKpiInputs(a: ConfigDocument, b: ConfigDocument): boolean {
  // Through JSON: an optional field left undefined and one absent are the same document.
  const plain = (config: ConfigDocument): unknown => JSON.parse(JSON.stringify(kpiInputs(config)));
  return isDeepStrictEqual(plain(a), plain(b));
}
