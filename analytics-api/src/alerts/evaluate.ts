import { createHash } from 'node:crypto';
import type { KpiKey, Kpis } from '../kpi/kpi-keys.js';
import { KPI_KEYS } from '../kpi/kpi-keys.js';

/**
 * Evaluation of a tenant's kpi_targets against one day's KPIs. Pure: no database, no HTTP, so each
 * rule (min, max, null, order) is tested on its own.
 */

export type KpiTarget = { min: number } | { max: number };

export interface Breach {
  kpi: KpiKey;
  value: number;
  target: KpiTarget;
  /** `below_min`: value < min; `above_max`: value > max. Equal to the target is not a breach. */
  comparison: 'below_min' | 'above_max';
}

export interface DayVerdict {
  breaches: Breach[];
  /** KPIs with a target whose value is null (no ticket to measure): no verdict, so no breach. */
  no_verdict: KpiKey[];
  /** KPIs with a target that the day meets. */
  met: KpiKey[];
}

/** Targets in the spec's KPI order, so that breaches come out in a stable order. */
export function evaluateDay(kpis: Readonly<Kpis>, targets: Readonly<Record<string, KpiTarget>>): DayVerdict {
  const verdict: DayVerdict = { breaches: [], no_verdict: [], met: [] };
  for (const kpi of KPI_KEYS) {
    const target = targets[kpi];
    if (!target) continue;
    const value = kpis[kpi];
    if (value === null || value === undefined) {
      verdict.no_verdict.push(kpi);
    } else if ('min' in target && value < target.min) {
      verdict.breaches.push({ kpi, value, target, comparison: 'below_min' });
    } else if ('max' in target && value > target.max) {
      verdict.breaches.push({ kpi, value, target, comparison: 'above_max' });
    } else {
      verdict.met.push(kpi);
    }
  }
  return verdict;
}

/**
 * The id of a breach: the same tenant, day, KPI and target always give the same id (a second run
 * finds the delivery recorded under it), a changed target gives a new one (a new breach to send).
 * The value is left out on purpose: a recompute that moves 81.2 % to 81.3 % is still the breach
 * that was already sent. Readable prefix (day, KPI), then 16 hex digits of SHA-256.
 */
export function alertId(tenantId: string, date: string, kpi: KpiKey, target: KpiTarget): string {
  const bound = 'min' in target ? `min=${target.min}` : `max=${target.max}`;
  const hash = createHash('sha256').update(`${tenantId.toLowerCase()}|${date}|${kpi}|${bound}`).digest('hex').slice(0, 16);
  return `${date}.${kpi}.${hash}`;
}

/** `2026-11-30.sla_response_pct.0123456789abcdef` → its day and KPI, or undefined when malformed. */
export function parseAlertId(id: string): { date: string; kpi: KpiKey } | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})\.([a-z0-9_]+)\.([0-9a-f]{16})$/.exec(id);
  if (!match || !(KPI_KEYS as readonly string[]).includes(match[2]!)) return undefined;
  return { date: match[1]!, kpi: match[2] as KpiKey };
}
