import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDaily } from '../../src/kpi/kpi-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { currentFile, readCsv, readParquet } from '../exports/helpers.js';
import { insertEntries, insertTickets, newTenant } from '../kpi/helpers.js';
import { configure, setBoard, setWorkType } from './helpers.js';

/** The Power BI export under a configuration: the fact tables follow it, dim_config says which version each day used. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function exportCsv(tenantId: string): Promise<void> {
  const response = await t.app.inject({
    method: 'POST',
    url: `/internal/exports/generate?tenant_id=${tenantId}`,
    headers: t.internalHeaders,
  });
  expect(response.statusCode, response.body).toBe(201);
}

describe('exports under a tenant configuration', () => {
  it('leave excluded records out of the facts, use the normalized priority and the configured verdicts, and add dim_config', async () => {
    const db = t.ctx.db;
    const id = await newTenant(db);
    await insertTickets(db, id, [
      // A: "1 - Critical" → P1; responded after 45 min against a 30-min target → breached, due 10:30.
      { id: 'A', created: '2026-01-14T10:00:00Z', responded: '2026-01-14T10:45:00Z', priority: '1 - Critical' },
      { id: 'B', created: '2026-01-14T11:00:00Z', priority: 'Low' }, // board Internal: excluded
      // C: the PSA says met: psa_first keeps it, and no target due instant is given.
      { id: 'C', created: '2026-01-14T10:00:00Z', responded: '2026-01-14T12:00:00Z', priority: '1 - Critical', responseMet: true },
    ]);
    await setBoard(db, id, 'B', 'Internal');
    await insertEntries(db, id, [
      { id: 'E1', tech: 't1', hours: 1, billable: true, workDate: '2026-01-14', ticket: 'A' },
      { id: 'E2', tech: 't1', hours: 2, billable: true, workDate: '2026-01-14', ticket: 'A' }, // Admin: excluded
    ]);
    await setWorkType(db, id, 'E2', 'Admin');
    await computeDaily(db, id, { from: '2026-01-13', to: '2026-01-14' });
    await configure(db, id, {
      priority_map: { '1 - Critical': 'P1' },
      sla_targets: { P1: { response_minutes: 30 } },
      excluded: { boards: ['Internal'], work_types: ['Admin'] },
    });
    // 01-14 recomputed with version 1; 01-13 left at version 0 (stale).
    await computeDaily(db, id, { date: '2026-01-14' });
    await exportCsv(id);

    const tickets = readCsv(currentFile(t.config.exportsPath, id, 'fact_tickets.csv'));
    expect(tickets.map((r) => [r.ticket_key, r.priority, r.sla_response_met, r.sla_response_due_at])).toEqual([
      ['A', 'P1', 'false', '2026-01-14T10:30:00.000Z'],
      ['C', 'P1', 'true', ''],
    ]);
    const entries = readCsv(currentFile(t.config.exportsPath, id, 'fact_time_entries.csv'));
    expect(entries.map((r) => r.time_entry_key)).toEqual(['E1']);
    const config = readCsv(currentFile(t.config.exportsPath, id, 'dim_config.csv'));
    expect(config.map((r) => [r.date_key, r.config_version, r.stale, r.config_changed_by])).toEqual([
      ['2026-01-13', '0', 'true', ''],
      ['2026-01-14', '1', 'false', 'api'],
    ]);
    const parquet = await readParquet(currentFile(t.config.exportsPath, id, 'dim_config.parquet'));
    expect(parquet.map((r) => [r.config_version, r.stale])).toEqual([
      [0, true],
      [1, false],
    ]);
    // The facts sum to the KPIs: 1 ticket opened of the 2 kept, 1 h.
    const kpis = readCsv(currentFile(t.config.exportsPath, id, 'kpi_daily.csv')).find((r) => r.date_key === '2026-01-14')!;
    expect([kpis.tickets_opened, kpis.hours_worked, kpis.sla_response_met, kpis.sla_response_breached]).toEqual(['2', '1', '1', '1']);
  });
});
