import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPI_KEYS } from '../../src/kpi/kpi-keys.js';
import { computeOnly } from '../../src/kpi/kpi-store.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { newTenant } from './helpers.js';

/**
 * KPI_KEYS is the one list of KPI names: the computation written out in compute.sql.ts must produce
 * exactly those columns, in that order, and both stored tables must hold each of them.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('the KPI keys', () => {
  it('are the columns the computation produces, in their order', async () => {
    const tenantId = await newTenant(t.ctx.db, { timezone: 'Europe/Paris' });
    const rows = await t.ctx.db.transaction((tx) =>
      computeOnly(tx, { tenantId, from: '2026-01-05', to: '2026-01-05', timezone: 'Europe/Paris', dailyCapacityHours: 8 }),
    );
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!)).toEqual(['kpi_date', 'dimension', 'group_key', 'group_label', ...KPI_KEYS, 'data_as_of']);
  });

  it('are columns of kpi_daily and kpi_daily_breakdown', async () => {
    for (const table of ['kpi_daily', 'kpi_daily_breakdown']) {
      const { rows } = await t.ctx.db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
        [table],
      );
      const columns = new Set(rows.map((row) => row.column_name));
      expect(
        KPI_KEYS.filter((key) => !columns.has(key)),
        table,
      ).toEqual([]);
    }
  });
});
