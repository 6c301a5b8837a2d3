import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPUTE_ONLY } from '../../src/kpi/compute.sql.js';
import { DEFAULT_CONFIG, kpiSettings } from '../../src/tenant-config/config-schema.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { insertEntries, insertTickets, newTenant } from './helpers.js';

/**
 * The cost of computing a day must depend on that day's data, not on the tenant's history: every
 * read of raw_tickets / raw_time_entries in the computation must be able to use an index range
 * bounded by the day. With sequential scans disabled, the plan must consist of index scans only,
 * on the indexes built for each day set (a query that could not use them would fall back to a
 * sequential scan here). No timing is measured.
 */

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (node: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

let t: TestApp;
let tenantId: string;
beforeAll(async () => {
  t = await createTestApp();
  tenantId = await newTenant(t.ctx.db, { timezone: 'America/New_York' });
  const tickets = Array.from({ length: 400 }, (_, i) => {
    const created = Date.parse('2025-01-01T00:00:00Z') + i * 86_400_000;
    return {
      id: `T${i}`,
      created: new Date(created).toISOString(),
      responded: new Date(created + 3_600_000).toISOString(),
      closed: i % 10 === 0 ? null : new Date(created + 2 * 86_400_000).toISOString(),
      client: `c${i % 5}`,
    };
  });
  await insertTickets(t.ctx.db, tenantId, tickets);
  await insertEntries(
    t.ctx.db,
    tenantId,
    Array.from({ length: 400 }, (_, i) => ({
      id: `E${i}`,
      tech: `t${i % 3}`,
      hours: 1,
      billable: true,
      ticket: `T${i}`,
      ...(i % 2
        ? { workDate: new Date(Date.parse('2025-01-01') + i * 86_400_000).toISOString().slice(0, 10) }
        : { started: new Date(Date.parse('2025-01-01T12:00:00Z') + i * 86_400_000).toISOString() }),
    })),
  );
  await t.ctx.db.query('ANALYZE raw_tickets');
  await t.ctx.db.query('ANALYZE raw_time_entries');
});
afterAll(() => t.close());

async function planOf(from: string, to: string): Promise<PlanNode> {
  return t.ctx.db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('enable_seqscan', 'off', true)`);
    const { rows } = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${COMPUTE_ONLY}`, [
      tenantId,
      from,
      to,
      'America/New_York',
      8,
      JSON.stringify(kpiSettings(DEFAULT_CONFIG)),
    ]);
    const raw = rows[0]!['QUERY PLAN'];
    const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
    return parsed[0]!.Plan;
  });
}

describe('the computation of a day', () => {
  it('reads the raw tables through index ranges only, one per day set', async () => {
    const plan = await planOf('2025-06-10', '2025-06-10');
    const scans: { type: string; relation?: string; index?: string; cond?: string }[] = [];
    walk(plan, (node) => {
      if (/Scan/.test(node['Node Type'])) {
        scans.push({ type: node['Node Type'], relation: node['Relation Name'], index: node['Index Name'], cond: node['Index Cond'] });
      }
    });
    const onRawTables = scans.filter((s) => s.relation === 'raw_tickets' || s.relation === 'raw_time_entries');
    expect(onRawTables.length).toBeGreaterThanOrEqual(7);
    for (const scan of onRawTables) expect(scan.type, JSON.stringify(scan)).not.toBe('Seq Scan');

    const indexes = new Set(scans.map((s) => s.index).filter(Boolean));
    for (const index of [
      'raw_tickets_created_idx', // OPENED(D)
      'raw_tickets_closed_idx', // CLOSED(D)
      'raw_tickets_responded_idx', // RESPONDED(D)
      'raw_tickets_open_idx', // BACKLOG(D): still open
      'raw_tickets_open_span_idx', // BACKLOG(D): closed after end(D)
      'raw_time_entries_work_date_idx', // ENTRIES(D) by work_date
      'raw_time_entries_started_idx', // ENTRIES(D) by started_at
      'raw_tickets_pkey', // the ticket linked to an entry
    ]) {
      expect(indexes, index).toContain(index);
    }

    // the instant ranges are bounded on both sides by the day
    const created = scans.find((s) => s.index === 'raw_tickets_created_idx')!;
    expect(created.cond).toMatch(/created_at >= /);
    expect(created.cond).toMatch(/created_at < /);
    const workDate = scans.find((s) => s.index === 'raw_time_entries_work_date_idx')!;
    expect(workDate.cond).toMatch(/work_date >= /);
    expect(workDate.cond).toMatch(/work_date <= /);
  });

  it('reads a 366-day range in the same single statement', async () => {
    const plan = await planOf('2025-01-01', '2026-01-01');
    const relations: string[] = [];
    walk(plan, (node) => {
      if (node['Relation Name']) relations.push(node['Relation Name']);
    });
    expect(relations).toContain('raw_tickets');
    expect(relations).toContain('raw_time_entries');
  });
});
