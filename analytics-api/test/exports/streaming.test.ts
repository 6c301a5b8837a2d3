import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportQueue } from '../../src/exports/export-lock.js';
import { generateExports } from '../../src/exports/export-service.js';
import { PARQUET_ROW_GROUP_ROWS } from '../../src/exports/parquet-sink.js';
import { CURSOR_BATCH_ROWS } from '../../src/exports/table-writer.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { currentFile, readCsv, readParquet } from './helpers.js';

const TENANT = '00000000-0000-4000-8000-00000000cccc';
const TICKETS = 2 * PARQUET_ROW_GROUP_ROWS + 1_234;
const ENTRIES = 3 * CURSOR_BATCH_ROWS + 7;

describe('large tables stream through many cursor batches and Parquet row groups', () => {
  let database: TestDatabase;
  let exportsPath: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    exportsPath = mkdtempSync(join(tmpdir(), 'exports-stream-'));
    await createTenant(database.db, { id: TENANT, name: 'Big MSP', timezone: 'Australia/Sydney' });
    await database.db.query(
      `INSERT INTO raw_tickets (tenant_id, external_id, source, client_id, technician_id, priority, summary, created_at, closed_at,
                                reopen_count, payload, record_hash)
       SELECT $1, 'T-' || lpad(g::text, 6, '0'), 'canonical', 'C' || (g % 37), 'U' || (g % 11), 'P' || (g % 4 + 1),
              CASE WHEN g % 1000 = 0 THEN '=cmd|' || g ELSE 'ticket ' || g END,
              timestamptz '2025-01-01' + g * interval '2 minutes', -- all in January (local time): one month file
              CASE WHEN g % 3 = 0 THEN timestamptz '2025-01-01' + g * interval '2 minutes' + interval '90 minutes' END,
              g % 4, '{}', 'x'
         FROM generate_series(1, $2::int) AS g`,
      [TENANT, TICKETS],
    );
    await database.db.query(
      `INSERT INTO raw_time_entries (tenant_id, external_id, source, technician_id, hours_worked, billable, work_date, started_at,
                                     payload, record_hash)
       SELECT $1, 'E-' || lpad(g::text, 6, '0'), 'canonical', 'U' || (g % 11), (g % 8) * 0.25, g % 2 = 0,
              CASE WHEN g % 2 = 0 THEN date '2025-03-01' + (g % 60) END,
              timestamptz '2025-03-01 13:30:00+00' + (g % 60) * interval '1 day',
              '{}', 'x'
         FROM generate_series(1, $2::int) AS g`,
      [TENANT, ENTRIES],
    );
  });
  afterAll(async () => {
    await database.drop();
    rmSync(exportsPath, { recursive: true, force: true });
  });

  it('writes every row once, in several row groups, CSV and Parquet agreeing', async () => {
    const result = await generateExports(database.db, { exportsPath, exportsKeep: 3 }, { queue: new ExportQueue(), tenantId: TENANT });
    const files = new Map(result.exports[0]!.files.map((f) => [f.name, f]));
    expect(files.get('fact_tickets/2025-01.parquet')!.rows).toBe(TICKETS);
    expect(files.get('fact_tickets/2025-01.csv')!.rows).toBe(TICKETS);

    const path = currentFile(exportsPath, TENANT, 'fact_tickets/2025-01.parquet');
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    expect(metadata.row_groups.map((group) => Number(group.num_rows))).toEqual([PARQUET_ROW_GROUP_ROWS, PARQUET_ROW_GROUP_ROWS, 1_234]);

    const parquet = await readParquet(path);
    const csv = readCsv(currentFile(exportsPath, TENANT, 'fact_tickets.csv'));
    expect(parquet).toHaveLength(TICKETS);
    expect(csv).toHaveLength(TICKETS);
    const keys = parquet.map((row) => row.ticket_key as string);
    expect(new Set(keys).size).toBe(TICKETS);
    expect(keys).toEqual([...keys].sort()); // ordered by key: reproducible files
    expect(csv.map((row) => row.ticket_key)).toEqual(keys);
    const reopens = (rows: Record<string, unknown>[]) => rows.reduce((total, row) => total + Number(row.reopen_count), 0);
    const { rows } = await database.db.query<{ reopens: number; closed: number }>(
      'SELECT sum(reopen_count) AS reopens, count(closed_at) AS closed FROM raw_tickets WHERE tenant_id = $1',
      [TENANT],
    );
    expect(reopens(parquet)).toBe(rows[0]!.reopens);
    expect(reopens(csv)).toBe(rows[0]!.reopens);
    expect(parquet.filter((row) => row.resolution_hours === 1.5)).toHaveLength(rows[0]!.closed);
    // Formula escaping holds on every batch, not only the first.
    const formulas = csv.filter((row) => row.summary!.startsWith("'=cmd|"));
    expect(formulas).toHaveLength(Math.floor(TICKETS / 1000));

    const entries = await readParquet(currentFile(exportsPath, TENANT, 'fact_time_entries.parquet'));
    expect(entries).toHaveLength(ENTRIES);
    const hours = entries.reduce((total, row) => total + Number(row.hours_worked), 0);
    const db = await database.db.query<{ hours: number }>('SELECT sum(hours_worked) AS hours FROM raw_time_entries WHERE tenant_id = $1', [
      TENANT,
    ]);
    expect(hours).toBeCloseTo(db.rows[0]!.hours, 6);
    // 13:30 UTC is 00:30 the next day in Sydney (UTC+11 in March): entries without work_date move a day.
    const e1 = entries.find((row) => row.time_entry_key === 'E-000001')!;
    expect((e1.entry_date as Date).toISOString().slice(0, 10)).toBe('2025-03-03');
  });
});
