import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/database.js';
import type { Entity } from '../../src/ingest/canonical.js';
import { upsertBatch } from '../../src/ingest/ingest-store.js';
import { mapRecord } from '../../src/ingest/mappers/index.js';
import { storedRecord, type StoredRecord } from '../../src/ingest/stored-row.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { onPostgres, postgresOnly } from '../helpers/test-database.js';

// Records without a row are copied in (COPY … FROM STDIN, text format) where the database has COPY,
// and upserted from jsonb otherwise (ingest-store.ts, copy-rows.ts). Both must store the same row.

const AWKWARD = [
  'back\\slash and \\N and \\t',
  'tab\there, newline\nthere, return\r, both\r\n',
  '"quoted" \'single\' ,comma; semicolon',
  'Café «ü» 😀 中文',
  '\\',
  '',
];

function tickets(prefix: string): unknown[] {
  return AWKWARD.map((text, i) => ({
    external_id: `${prefix}${i}\\id`,
    created_at: `2026-01-2${i}T09:30:00.${i}21+01:00`,
    summary: text,
    client_name: i % 2 ? text : null,
    technician_id: `tech\t${i}`,
    status: i === 3 ? 'Closed' : 'New',
    closed_at: i === 3 ? '2026-01-25T10:00:00Z' : undefined,
    sla_response_met: i % 3 === 0 ? true : i % 3 === 1 ? false : null,
    reopen_count: i,
    updated_at: '2026-01-26T00:00:00Z',
    custom: { path: 'C:\\temp\\new', text, list: [1.5, null, true] },
  }));
}

function timeEntries(prefix: string): unknown[] {
  return AWKWARD.map((text, i) => ({
    external_id: `${prefix}${i}`,
    technician_id: `tech ${i}`,
    technician_name: text,
    hours_worked: [0.1 + 0.2, 1, 7.75, 0, 1e-3, 12][i],
    hours_billed: i % 2 ? 0.3 : null,
    hourly_rate: i === 2 ? 125.5 : null,
    billable: i % 2 === 0,
    work_date: '2026-01-24',
    started_at: i % 2 ? '2026-01-24T08:00:00Z' : null,
    work_type: text,
    non_service_desk: i === 4 ? true : undefined,
    currency: i === 1 ? 'EUR' : null,
    ticket_external_id: `T\n${i}`,
  }));
}

function stored(entity: Entity, raws: unknown[]): StoredRecord[] {
  return raws.map((raw) => {
    const mapped = mapRecord('canonical', entity, raw);
    if (!mapped.ok) throw new Error(mapped.reasons.join('; '));
    return storedRecord('canonical', JSON.stringify(raw), mapped.record);
  });
}

/** Records each statement's first word; `copy` false hides the COPY capability (the jsonb path). */
function recording(tx: Queryable, statements: string[], copy: boolean): Queryable {
  const copyIn = tx.copyIn;
  return {
    query: (text, params) => {
      statements.push(text.trim().split(/\s+/, 2).join(' '));
      return tx.query(text, params);
    },
    copyIn:
      copy && copyIn
        ? (text, data) => {
            statements.push(text.split(/\s+/, 2).join(' '));
            return copyIn(text, data);
          }
        : undefined,
  };
}

describe('records without a row: COPY and the jsonb upsert', () => {
  let t: TestApp;
  let copied: string;
  let upserted: string;
  const run = '00000000-0000-4000-8000-0000000000c1';

  beforeAll(async () => {
    t = await createTestApp();
    copied = (await createTenant(t.ctx.db, { name: 'Copied MSP', timezone: 'UTC' })).id;
    upserted = (await createTenant(t.ctx.db, { name: 'Upserted MSP', timezone: 'UTC' })).id;
  });
  afterAll(() => t.close());

  const write = (tenantId: string, entity: Entity, records: StoredRecord[], statements: string[], copy: boolean) =>
    t.ctx.db.transaction((tx) =>
      upsertBatch(recording(tx, statements, copy), entity, { tenantId, source: 'canonical', runId: run, records }),
    );

  /** Every column but the tenant and the write instants, as PostgreSQL prints them. */
  const storedRows = async (entity: Entity, tenantId: string) => {
    const table = entity === 'tickets' ? 'raw_tickets' : 'raw_time_entries';
    const { rows } = await t.ctx.db.query<{ row: Record<string, string | null> }>(
      `SELECT to_jsonb(r) - 'tenant_id' - 'ingested_at' - 'changed_at' AS row FROM ${table} r WHERE tenant_id = $1 ORDER BY external_id`,
      [tenantId],
    );
    return rows.map((r) => r.row);
  };

  it.each(['tickets', 'time_entries'] as const)('store the same %s, column for column', async (entity) => {
    const raws = entity === 'tickets' ? tickets('K-') : timeEntries('K-');
    const viaCopy: string[] = [];
    const viaJsonb: string[] = [];
    expect(await write(copied, entity, stored(entity, raws), viaCopy, true)).toEqual({ inserted: 6, updated: 0, unchanged: 0 });
    expect(await write(upserted, entity, stored(entity, raws), viaJsonb, false)).toEqual({ inserted: 6, updated: 0, unchanged: 0 });
    expect(viaJsonb).toEqual(['SELECT i.external_id,', 'INSERT INTO']);
    if (onPostgres)
      expect(viaCopy).toEqual(['SELECT i.external_id,', 'SAVEPOINT copy_fresh_rows', 'COPY raw_' + entity, 'RELEASE SAVEPOINT']);
    else expect(viaCopy).toEqual(viaJsonb);

    const a = await storedRows(entity, copied);
    expect(a).toHaveLength(6);
    expect(a).toEqual(await storedRows(entity, upserted));
    // Spot checks that the comparison sees the values themselves, not two equal mistakes.
    // (Validation trims text and turns an empty one into null: the awkward values with no edges stay as they are.)
    const column = entity === 'tickets' ? 'summary' : 'work_type';
    expect([0, 2, 3, 4].map((i) => a[i]![column])).toEqual([0, 2, 3, 4].map((i) => AWKWARD[i]));
    expect(a[1]![column]).toContain('tab\there, newline\nthere, return\r');
    if (entity === 'tickets') {
      expect(a[0]!['external_id']).toBe('K-0\\id');
      expect(a[0]!['payload']).toMatchObject({ custom: { path: 'C:\\temp\\new' } });
    } else {
      expect(a[1]!['ticket_external_id']).toBe('T\n1');
      expect(a[4]!['non_service_desk']).toBe(true);
    }
  });

  it('gives a changed record to the upsert and copies only the new ones', async () => {
    const statements: string[] = [];
    const raws = tickets('K-');
    const changed = stored('tickets', [
      { ...(raws[0] as object), status: 'Closed' },
      ...raws.slice(1),
      { external_id: 'K-new', created_at: '2026-01-27T00:00:00Z' },
    ]);
    expect(await write(copied, 'tickets', changed, statements, true)).toEqual({ inserted: 1, updated: 1, unchanged: 5 });
    if (onPostgres)
      expect(statements).toEqual([
        'SELECT i.external_id,',
        'SAVEPOINT copy_fresh_rows',
        'COPY raw_tickets',
        'RELEASE SAVEPOINT',
        'INSERT INTO',
      ]);
  });

  it('copies a batch without looking it up while every record so far was new, and looks again once one was not', async () => {
    const tenantId = (await createTenant(t.ctx.db, { name: 'First load MSP', timezone: 'UTC' })).id;
    const hint = { allNewSoFar: false };
    const batch = (ids: string[]) =>
      stored(
        'tickets',
        ids.map((id) => ({ external_id: id, created_at: '2026-01-24T09:00:00Z' })),
      );
    const run = (records: StoredRecord[], statements: string[]) =>
      t.ctx.db.transaction((tx) =>
        upsertBatch(recording(tx, statements, true), 'tickets', { tenantId, source: 'canonical', runId: run0, records }, hint),
      );
    const run0 = '00000000-0000-4000-8000-0000000000c2';

    const first: string[] = [];
    expect(await run(batch(['A1', 'A2']), first)).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(first[0]).toBe('SELECT i.external_id,');
    expect(hint.allNewSoFar).toBe(true);

    const second: string[] = [];
    expect(await run(batch(['B1', 'B2']), second)).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    if (onPostgres) expect(second).toEqual(['SAVEPOINT copy_fresh_rows', 'COPY raw_tickets', 'RELEASE SAVEPOINT']);
    expect(hint.allNewSoFar).toBe(true);

    // A2 has a row: the blind COPY fails on it, the batch is looked up, and so are the next ones.
    const third: string[] = [];
    expect(await run(batch(['C1', 'A2', 'C2']), third)).toEqual({ inserted: 2, updated: 0, unchanged: 1 });
    if (onPostgres)
      expect(third).toEqual([
        'SAVEPOINT copy_fresh_rows',
        'COPY raw_tickets',
        'ROLLBACK TO',
        'SELECT i.external_id,',
        'SAVEPOINT copy_fresh_rows',
        'COPY raw_tickets',
        'RELEASE SAVEPOINT',
      ]);
    expect(hint.allNewSoFar).toBe(false);
    const { rows } = await t.ctx.db.query<{ external_id: string }>('SELECT external_id FROM raw_tickets WHERE tenant_id = $1 ORDER BY 1', [
      tenantId,
    ]);
    expect(rows.map((r) => r.external_id)).toEqual(['A1', 'A2', 'B1', 'B2', 'C1', 'C2']);
  });

  it.skipIf(!onPostgres)(
    postgresOnly(
      'leaves the new records to the upsert when another call inserts one of them meanwhile',
      'PGlite has one connection and no COPY FROM STDIN: there is no second writer and no COPY to fall back from',
    ),
    async () => {
      const tenantId = (await createTenant(t.ctx.db, { name: 'Racing MSP', timezone: 'UTC' })).id;
      const [x, y] = stored('tickets', [
        { external_id: 'X', created_at: '2026-01-24T09:00:00Z', status: 'New' },
        { external_id: 'Y', created_at: '2026-01-24T09:00:00Z', status: 'New' },
      ]);
      const [otherX] = stored('tickets', [{ external_id: 'X', created_at: '2026-01-24T09:00:00Z', status: 'Closed' }]);

      // The first call inserts X and holds its transaction open until the second call's COPY waits on X.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = t.ctx.db.transaction(async (tx) => {
        const outcome = await upsertBatch(tx, 'tickets', { tenantId, source: 'canonical', runId: run, records: [x!] });
        await held;
        return outcome;
      });
      const statements: string[] = [];
      const second = write(tenantId, 'tickets', [otherX!, y!], statements, true);
      await waitForCopyToWait();
      release();
      expect(await first).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
      // Its COPY failed on X once the first call committed: the upsert then updated X and inserted Y.
      expect(await second).toEqual({ inserted: 1, updated: 1, unchanged: 0 });
      expect(statements).toEqual(['SELECT i.external_id,', 'SAVEPOINT copy_fresh_rows', 'COPY raw_tickets', 'ROLLBACK TO', 'INSERT INTO']);
      const { rows } = await t.ctx.db.query<{ external_id: string; status: string }>(
        'SELECT external_id, status FROM raw_tickets WHERE tenant_id = $1 ORDER BY external_id',
        [tenantId],
      );
      expect(rows).toEqual([
        { external_id: 'X', status: 'Closed' },
        { external_id: 'Y', status: 'New' },
      ]);
    },
  );

  async function waitForCopyToWait(): Promise<void> {
    for (let i = 0; i < 200; i += 1) {
      const { rows } = await t.ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY raw_tickets%'`,
      );
      if (rows[0]!.n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the second COPY never waited for the first transaction');
  }
});
