import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportQueue } from '../../src/exports/export-lock.js';
import { generateExports, type ExportFormat, type TenantExport } from '../../src/exports/export-service.js';
import { putConfig } from '../../src/tenant-config/config-service.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { insertEntry, insertTicket, PARIS, readCsv, sha256 } from './helpers.js';

/**
 * Fact tables are written one file per month, and an export rewrites only the months whose data
 * changed since the current generation: each cause of a change rewrites exactly the months it
 * concerns, the other files are the previous generation's (same inode), and a full export gives the
 * same bytes as the incremental one.
 */
describe('exports follow the changes: one file per month, only changed months rewritten', () => {
  let database: TestDatabase;
  let exportsPath: string;
  const queue = new ExportQueue();

  const exportNow = async (options: { full?: boolean; format?: ExportFormat } = {}): Promise<TenantExport> =>
    (await generateExports(database.db, { exportsPath, exportsKeep: 10 }, { queue, tenantId: PARIS, ...options })).exports[0]!;

  /** Month file name → the generation that wrote it. */
  const writers = (result: TenantExport) =>
    new Map(result.files.filter((file) => file.month !== undefined).map((file) => [file.name, file.generation]));

  /** The month files this export wrote itself (its own generation), sorted. */
  const rewritten = (result: TenantExport) =>
    [...writers(result)]
      .filter(([, generation]) => generation === result.generation)
      .map(([name]) => name)
      .sort();

  const bothFormats = (...bases: string[]) => bases.flatMap((base) => [`${base}.csv`, `${base}.parquet`]).sort();

  beforeAll(async () => {
    database = await createTestDatabase();
    exportsPath = mkdtempSync(join(tmpdir(), 'exports-incremental-'));
    await createTenant(database.db, { id: PARIS, name: 'Paris MSP', timezone: 'Europe/Paris' });
    const db = database.db;
    // 2025-11-30T23:30Z is 2025-12-01 in Paris: months are those of the local created_date.
    await insertTicket(db, PARIS, { external_id: 'N1', created_at: '2025-11-10T09:00:00Z', client_id: 'C1', priority: 'High' });
    await insertTicket(db, PARIS, { external_id: 'N2', created_at: '2025-11-20T09:00:00Z', client_id: 'C1', priority: 'Low' });
    await insertTicket(db, PARIS, { external_id: 'D1', created_at: '2025-11-30T23:30:00Z', client_id: 'C2', priority: 'High' });
    await insertTicket(db, PARIS, { external_id: 'J1', created_at: '2026-01-05T09:00:00Z', client_id: 'C2', priority: 'Low' });
    await insertEntry(db, PARIS, {
      external_id: 'E1',
      technician_id: 'U1',
      hours_worked: 1,
      billable: true,
      work_date: '2025-12-02',
      ticket_external_id: 'D1',
      client_id: 'C2',
    });
    // No client of its own: the fact's client_key is its ticket's.
    await insertEntry(db, PARIS, {
      external_id: 'E2',
      technician_id: 'U1',
      hours_worked: 2,
      billable: true,
      work_date: '2026-01-06',
      ticket_external_id: 'J1',
    });
    await insertEntry(db, PARIS, {
      external_id: 'E3',
      technician_id: 'U2',
      hours_worked: 3,
      billable: false,
      started_at: '2026-01-31T23:30:00Z',
    });
  });
  afterAll(async () => {
    await database.drop();
    rmSync(exportsPath, { recursive: true, force: true });
  });

  it('writes each fact table as month files, and the manifest lists each file with its month, rows, hash and writer', async () => {
    const first = await exportNow();
    expect([...writers(first).keys()].sort()).toEqual(
      bothFormats(
        'fact_tickets/2025-11',
        'fact_tickets/2025-12',
        'fact_tickets/2026-01',
        'fact_time_entries/2025-12',
        'fact_time_entries/2026-01',
        'fact_time_entries/2026-02',
      ),
    );
    expect(rewritten(first)).toEqual([...writers(first).keys()].sort());
    expect(readCsv(join(first.generation_path, 'fact_tickets/2025-12.csv')).map((row) => row.ticket_key)).toEqual(['D1']);
    expect(readCsv(join(first.generation_path, 'fact_time_entries/2026-02.csv')).map((row) => row.time_entry_key)).toEqual(['E3']);
    const manifest = JSON.parse(readFileSync(join(first.generation_path, 'manifest.json'), 'utf8')) as {
      manifest_version: number;
      files: { name: string; month?: string; rows: number; sha256: string; generation?: string }[];
    };
    expect(manifest.manifest_version).toBe(2);
    const november = manifest.files.find((file) => file.name === 'fact_tickets/2025-11.csv')!;
    expect(november).toMatchObject({ month: '2025-11', rows: 2, generation: first.generation });
    expect(november.sha256).toBe(sha256(join(first.generation_path, november.name)));
    expect(manifest.files.find((file) => file.name === 'dim_client.csv')!.month).toBeUndefined();
  });

  it('carries every month over, without copying, when nothing changed', async () => {
    const before = await exportNow();
    const after = await exportNow();
    expect(rewritten(after)).toEqual([]);
    for (const [name, generation] of writers(after)) {
      expect(generation, name).toBe(writers(before).get(name));
      expect(statSync(join(after.generation_path, name)).ino, name).toBe(statSync(join(before.generation_path, name)).ino);
    }
  });

  it('rewrites the month of an updated ticket, and of the time entries that take their client from it', async () => {
    await exportNow();
    await insertTicket(database.db, PARIS, { external_id: 'J1', created_at: '2026-01-05T09:00:00Z', client_id: 'C3', priority: 'Low' });
    const after = await exportNow();
    expect(rewritten(after)).toEqual(bothFormats('fact_tickets/2026-01', 'fact_time_entries/2026-01'));
    const entries = readCsv(join(after.generation_path, 'fact_time_entries/2026-01.csv'));
    expect(entries.find((row) => row.time_entry_key === 'E2')!.client_key).toBe('C3');
  });

  it('rewrites the month of a ticket deleted in the PSA (deleted_at set, nothing else)', async () => {
    await exportNow();
    await database.db.query(`UPDATE raw_tickets SET deleted_at = now() WHERE tenant_id = $1 AND external_id = 'N2'`, [PARIS]);
    const after = await exportNow();
    expect(rewritten(after)).toEqual(bothFormats('fact_tickets/2025-11'));
    expect(readCsv(join(after.generation_path, 'fact_tickets/2025-11.csv')).map((row) => row.ticket_key)).toEqual(['N1']);
  });

  it('rewrites both months of a ticket whose creation moved to another month, and drops a month left without records', async () => {
    await exportNow();
    await insertTicket(database.db, PARIS, { external_id: 'D1', created_at: '2026-01-02T09:00:00Z', client_id: 'C2', priority: 'High' });
    const after = await exportNow();
    // December lost its only ticket: no file; January is rewritten. D1's time entry E1 (December) is
    // not: an entry takes only its client from its ticket, and D1's client did not change.
    expect(writers(after).has('fact_tickets/2025-12.csv')).toBe(false);
    expect(rewritten(after)).toEqual(bothFormats('fact_tickets/2026-01'));
    expect(readCsv(join(after.generation_path, 'fact_tickets/2026-01.csv')).map((row) => row.ticket_key)).toEqual(['D1', 'J1']);
  });

  it('rewrites the month of a ticket removed from the database', async () => {
    await exportNow();
    await insertTicket(database.db, PARIS, { external_id: 'N3', created_at: '2025-11-25T09:00:00Z' });
    await exportNow();
    await database.db.query(`DELETE FROM raw_tickets WHERE tenant_id = $1 AND external_id = 'N3'`, [PARIS]);
    const after = await exportNow();
    expect(rewritten(after)).toEqual(bothFormats('fact_tickets/2025-11'));
  });

  it('rewrites every month when the configuration changes the fact columns', async () => {
    const before = await exportNow();
    // The document replaces the whole configuration: the time zone is given again, unchanged.
    await putConfig(database.db, PARIS, { timezone: 'Europe/Paris', priority_map: { High: 'P1', Low: 'P3' } }, { changedBy: 'api' });
    const after = await exportNow();
    expect(rewritten(after)).toEqual([...writers(before).keys()].sort());
    expect(readCsv(join(after.generation_path, 'fact_tickets/2025-11.csv')).map((row) => row.priority)).toEqual(['P1']);
  });

  it('rewrites every month when the tenant moves to another time zone (months are local)', async () => {
    await exportNow();
    await database.db.query(`UPDATE tenants SET timezone = 'America/New_York' WHERE id = $1`, [PARIS]);
    try {
      const after = await exportNow();
      expect(rewritten(after)).toEqual([...writers(after).keys()].sort());
      // 2026-01-31T23:30Z is still January in New York.
      expect(writers(after).has('fact_time_entries/2026-02.csv')).toBe(false);
    } finally {
      await database.db.query(`UPDATE tenants SET timezone = 'Europe/Paris' WHERE id = $1`, [PARIS]);
    }
  });

  it.each(['both', 'csv'] as const)('full=true writes the same bytes as the incremental path (format=%s)', async (format) => {
    await exportNow({ format, full: true });
    await insertTicket(database.db, PARIS, {
      external_id: 'N1',
      created_at: '2025-11-10T09:00:00Z',
      client_id: 'C1',
      priority: 'Low',
      summary: 'changed',
    });
    await insertEntry(database.db, PARIS, {
      external_id: `E-${format}`,
      technician_id: 'U3',
      hours_worked: 1.5,
      billable: true,
      work_date: '2025-11-12',
    });
    const incremental = await exportNow({ format });
    expect(rewritten(incremental).length).toBeGreaterThan(0);
    expect(rewritten(incremental).length).toBeLessThan(writers(incremental).size);
    const full = await exportNow({ format, full: true });
    expect(rewritten(full)).toEqual([...writers(full).keys()].sort());
    expect(full.files.map((file) => file.name)).toEqual(incremental.files.map((file) => file.name));
    for (const file of full.files) {
      const other = incremental.files.find((candidate) => candidate.name === file.name)!;
      expect({ name: file.name, rows: file.rows, sha256: file.sha256 }).toEqual({
        name: other.name,
        rows: other.rows,
        sha256: other.sha256,
      });
      expect(sha256(join(full.generation_path, file.name)), file.name).toBe(sha256(join(incremental.generation_path, file.name)));
    }
  });
});
