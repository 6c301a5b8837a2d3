import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { CliUsageError } from '../../src/cli/command.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { loadConfig } from '../../src/config/config.js';
import { migrate } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { DomainError } from '../../src/errors.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/test-database.js';
import { insertTicket, PARIS, readParquet, TABLE_NAMES } from './helpers.js';

describe('cli export [--tenant ID] [--format both|csv|parquet] [--json]', () => {
  const exportsPath = mkdtempSync(join(tmpdir(), 'exports-cli-'));
  const saved = { ...process.env };
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    process.env.EXPORTS_PATH = exportsPath;
    process.env.LOG_LEVEL = 'silent';
    if (onPostgres) {
      database = await createTestDatabase();
      process.env.DATABASE_URL = database.url!;
      await seed(database.db);
    } else {
      // The command opens the embedded database of DATA_DIR: seed it first, then close it.
      process.env.DATA_DIR = mkdtempSync(join(tmpdir(), 'cli-data-'));
      delete process.env.DATABASE_URL;
      const db = await openDatabase(loadConfig(process.env, 'cli'));
      try {
        await migrate(db);
        await seed(db);
      } finally {
        await db.close();
      }
    }
  });
  afterAll(async () => {
    const dataDir = process.env.DATA_DIR;
    process.env = saved;
    await database?.drop();
    rmSync(exportsPath, { recursive: true, force: true });
    if (!onPostgres && dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function seed(db: Parameters<typeof createTenant>[0]) {
    await createTenant(db, { id: PARIS, name: 'Paris MSP', timezone: 'Europe/Paris' });
    await insertTicket(db, PARIS, { external_id: 'A', created_at: '2026-01-23T23:30:00Z', client_id: 'C1', client_name: 'Acme' });
  }

  it('writes the exports and prints the result as one JSON document', async () => {
    const output = await exportCommand.run(parseArgs(['--tenant', PARIS, '--json']));
    const json = output.json as { exports: { tenant_id: string; path: string; files: { name: string; rows: number }[] }[] };
    expect(json.exports).toHaveLength(1);
    expect(json.exports[0]!.path).toBe(join(exportsPath, PARIS, 'current'));
    // fact_tickets holds one month file per format; fact_time_entries, without entries, none.
    expect(json.exports[0]!.files).toHaveLength(2 * (TABLE_NAMES.length - 1));
    const tickets = await readParquet(join(json.exports[0]!.path, 'fact_tickets.parquet'));
    expect(tickets.map((row) => row.ticket_key)).toEqual(['A']);
    expect(output.text).toContain('fact_tickets/2026-01.parquet');
    expect(existsSync(join(exportsPath, PARIS, 'current', 'manifest.json'))).toBe(true);
  });

  it('--format csv or parquet writes only that format', async () => {
    for (const format of ['csv', 'parquet'] as const) {
      const output = await exportCommand.run(parseArgs(['--tenant', PARIS, '--format', format, '--json']));
      const files = (output.json as { exports: { files: { name: string; format: string }[] }[] }).exports[0]!.files;
      expect(files).toHaveLength(TABLE_NAMES.length - 1); // no month of time entries
      expect(new Set(files.map((file) => file.format))).toEqual(new Set([format]));
    }
    await expect(exportCommand.run(parseArgs(['--format', 'xml']))).rejects.toThrow(/both, csv, parquet/);
    await expect(exportCommand.run(parseArgs(['--format']))).rejects.toBeInstanceOf(CliUsageError);
  });

  it('exports every active tenant without --tenant', async () => {
    const output = await exportCommand.run(parseArgs([]));
    expect((output.json as { exports: unknown[] }).exports).toHaveLength(1);
  });

  it('fails with a clear reason for an unknown tenant or a bad option', async () => {
    const unknown = await exportCommand.run(parseArgs(['--tenant', '00000000-0000-4000-8000-000000000000'])).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(DomainError);
    expect((unknown as DomainError).kind).toBe('not_found');
    await expect(exportCommand.run(parseArgs(['--tenant']))).rejects.toBeInstanceOf(CliUsageError);
    await expect(exportCommand.run(parseArgs(['--tenat', PARIS]))).rejects.toBeInstanceOf(CliUsageError);
  });
});
