import { describe, expect, it } from 'vitest';
import { alertId, evaluateDay, parseAlertId } from '../../src/alerts/evaluate.js';
import { KPI_KEYS, type Kpis } from '../../src/kpi/kpi-keys.js';

/** Alert evaluation without a database: min/max targets, null values, stable ids. */

function kpis(values: Partial<Kpis>): Kpis {
  return { ...(Object.fromEntries(KPI_KEYS.map((k) => [k, 0])) as Kpis), ...values };
}

const TENANT = '3f0c2a58-8a57-4c6e-9f43-6c1b5c1d2e01';

describe('evaluateDay', () => {
  it('a value under a min target or over a max target is a breach; equal to the target is not', () => {
    const verdict = evaluateDay(kpis({ sla_response_pct: 79.99, backlog_open: 41, utilization_pct: 80, reopen_rate_pct: 5 }), {
      sla_response_pct: { min: 80 },
      backlog_open: { max: 40 },
      utilization_pct: { min: 80 },
      reopen_rate_pct: { max: 5 },
    });
    expect(verdict.breaches).toEqual([
      { kpi: 'backlog_open', value: 41, target: { max: 40 }, comparison: 'above_max' },
      { kpi: 'sla_response_pct', value: 79.99, target: { min: 80 }, comparison: 'below_min' },
    ]);
    expect(verdict.met).toEqual(['reopen_rate_pct', 'utilization_pct']);
    expect(verdict.no_verdict).toEqual([]);
  });

  it('a null value has no verdict: not a breach, not met, and said so', () => {
    const verdict = evaluateDay(kpis({ first_response_median_minutes: null, sla_resolution_pct: null }), {
      first_response_median_minutes: { max: 30 },
      sla_resolution_pct: { min: 90 },
    });
    expect(verdict.breaches).toEqual([]);
    expect(verdict.met).toEqual([]);
    expect(verdict.no_verdict).toEqual(['first_response_median_minutes', 'sla_resolution_pct']);
  });

  it('zero is a value (a min of 1 ticket closed is missed by 0), and KPIs without a target are ignored', () => {
    const verdict = evaluateDay(kpis({ tickets_closed: 0, tickets_opened: 1000 }), { tickets_closed: { min: 1 } });
    expect(verdict.breaches.map((b) => b.kpi)).toEqual(['tickets_closed']);
  });

  it('no targets: nothing to say', () => {
    expect(evaluateDay(kpis({}), {})).toEqual({ breaches: [], no_verdict: [], met: [] });
  });
});

describe('alert ids', () => {
  it('the same breach always has the same id; another tenant, day, KPI or target gives another id', () => {
    const id = alertId(TENANT, '2026-11-30', 'sla_response_pct', { min: 80 });
    expect(alertId(TENANT, '2026-11-30', 'sla_response_pct', { min: 80 })).toBe(id);
    expect(alertId(TENANT.toUpperCase(), '2026-11-30', 'sla_response_pct', { min: 80 })).toBe(id);
    const others = [
      alertId('3f0c2a58-8a57-4c6e-9f43-6c1b5c1d2e02', '2026-11-30', 'sla_response_pct', { min: 80 }),
      alertId(TENANT, '2026-12-01', 'sla_response_pct', { min: 80 }),
      alertId(TENANT, '2026-11-30', 'sla_resolution_pct', { min: 80 }),
      alertId(TENANT, '2026-11-30', 'sla_response_pct', { min: 85 }),
      alertId(TENANT, '2026-11-30', 'sla_response_pct', { max: 80 }),
    ];
    expect(new Set([id, ...others]).size).toBe(6);
    expect(id).toMatch(/^2026-11-30\.sla_response_pct\.[0-9a-f]{16}$/);
  });

  it('parses its day and KPI back, and refuses anything else', () => {
    expect(parseAlertId(alertId(TENANT, '2026-11-30', 'backlog_open', { max: 3 }))).toEqual({ date: '2026-11-30', kpi: 'backlog_open' });
    for (const bad of [
      '',
      'x',
      '2026-11-30.happiness.0123456789abcdef',
      '2026-11-30.backlog_open.0123',
      '2026-11-30.backlog_open.0123456789ABCDEF',
    ]) {
      expect(parseAlertId(bad)).toBeUndefined();
    }
  });
});
