import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/kpi/dates.js';
import { computeDaily } from '../../src/kpi/kpi-service.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { insertEntry, insertTicket } from '../exports/helpers.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres, postgresOnly } from '../helpers/test-database.js';

/**
 * Issue #18, point 6: the staging tables of split KPI ranges (migration 003; PostgreSQL only, PGlite
 * computes every range as one statement) do not bloat. 200 overlapping range computations, measured
 * with pg_stat_user_tables and the tables' size: dead tuples and size stay at what one call leaves.
 */

const CALLS = 200;
const RANGE_DAYS = 40; // over kpi-service's SPLIT_RANGE_DAYS (28): every call goes through staging
const STAGING = ['kpi_daily_staging', 'kpi_daily_breakdown_staging'];

interface TableState {
  relname: string;
  n_dead_tup: number;
  n_tup_ins: number;
  bytes: number;
}

describe.skipIf(!onPostgres)(
  postgresOnly(
    'KPI range staging tables stay small',
    'the staging tables belong to the split range compute, which runs on PostgreSQL only',
  ),
  () => {
    let t: TestApp;
    let tenantId: string;

    async function state(): Promise<TableState[]> {
      await t.ctx.db.query('SELECT pg_stat_force_next_flush()');
      const { rows } = await t.ctx.db.query<TableState>(
        `SELECT relname, n_dead_tup, n_tup_ins, pg_total_relation_size(relid) AS bytes
         FROM pg_stat_user_tables WHERE relname = ANY($1::text[]) ORDER BY relname`,
        [STAGING],
      );
      return rows;
    }

    beforeAll(async () => {
      t = await createTestApp();
      tenantId = (await createTenant(t.ctx.db, { name: 'Staging MSP' })).id;
      for (let i = 0; i < 300; i += 1) {
        const day = addDays('2026-01-01', i % 90);
        await insertTicket(t.ctx.db, tenantId, {
          external_id: `t-${i}`,
          created_at: `${day}T09:00:00Z`,
          closed_at: i % 3 === 0 ? null : `${addDays(day, 2)}T12:00:00Z`,
          client_id: `c-${i % 7}`,
          technician_id: `u-${i % 5}`,
          priority: `P${i % 4}`,
        });
        await insertEntry(t.ctx.db, tenantId, {
          external_id: `e-${i}`,
          technician_id: `u-${i % 5}`,
          hours_worked: 1.5,
          billable: i % 2 === 0,
          work_date: day,
        });
      }
    }, 120_000);
    afterAll(() => t.close());

    it(`${CALLS} overlapping range computations leave no growing dead-tuple count or table size`, async () => {
      const compute = (i: number) => {
        const from = addDays('2026-01-01', i % 45);
        return computeDaily(t.ctx.db, tenantId, { from, to: addDays(from, RANGE_DAYS - 1) });
      };
      const start = await state();
      let afterTen: TableState[] = [];
      for (let i = 0; i < CALLS; i += 1) {
        await compute(i);
        if (i === 9) afterTen = await state();
      }
      // Backends report their counts to the statistics within about a second of going idle: wait for
      // that, so that one more call's VACUUM sees (and reports) every row the others left.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await compute(CALLS);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const end = await state();
      for (const [index, table] of end.entries()) {
        const inserted = table.n_tup_ins - start[index]!.n_tup_ins;
        const perCall = inserted / (CALLS + 1);
        // Rows went through the table on every call...
        expect(inserted, table.relname).toBeGreaterThan(CALLS);
        // ...and at most about one call's worth is dead at the end (without the VACUUM: every row, 62,702).
        expect(table.n_dead_tup, `${table.relname} dead tuples (${inserted} inserted)`).toBeLessThanOrEqual(Math.ceil(2 * perCall));
        // The size after 200 calls is no larger than after 10.
        expect(table.bytes, `${table.relname} size after ${CALLS} calls vs after 10`).toBeLessThanOrEqual(
          Math.max(afterTen[index]!.bytes, 8192 * 4),
        );
      }
    }, 600_000);
  },
);
