import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors.js';
import { ExportQueue } from '../../src/exports/export-lock.js';
import { generateExports } from '../../src/exports/export-service.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { currentFile, insertTicket, OTHER, PARIS, readCsv, readParquet, seedKnownData, sha256 } from './helpers.js';

interface ManifestFile {
  name: string;
  rows: number;
  sha256: string;
}

/** Reads `current/` the way a Power BI refresh would, and checks every file against its manifest. */
async function readCurrentExport(exportsPath: string, tenantId: string) {
  const current = readlinkSync(join(exportsPath, tenantId, 'current'));
  const manifest = JSON.parse(readFileSync(currentFile(exportsPath, tenantId, 'manifest.json'), 'utf8')) as {
    generation: string;
    files: ManifestFile[];
  };
  expect(current).toBe(`generations/${manifest.generation}`);
  for (const file of manifest.files) {
    const path = currentFile(exportsPath, tenantId, file.name);
    expect(sha256(path), file.name).toBe(file.sha256);
    const rows = file.name.endsWith('.parquet') ? await readParquet(path) : readCsv(path);
    expect(rows, file.name).toHaveLength(file.rows);
  }
  return { generation: manifest.generation, manifest };
}

const incompleteFolders = (exportsPath: string, tenantId: string) =>
  readdirSync(join(exportsPath, tenantId, 'generations')).filter((name) => name.startsWith('.'));

describe('exports are atomic: a failed export leaves the previous one current and intact', () => {
  let database: TestDatabase;
  let exportsPath: string;
  const config = () => ({ exportsPath, exportsKeep: 3 });
  const queue = new ExportQueue(); // one application's: its exports of a tenant run one at a time

  beforeAll(async () => {
    database = await createTestDatabase();
    exportsPath = mkdtempSync(join(tmpdir(), 'exports-atomic-'));
    await createTenant(database.db, { id: PARIS, name: 'Paris MSP', timezone: 'Europe/Paris' });
    await createTenant(database.db, { id: OTHER, name: 'Other MSP' });
    await seedKnownData(database.db);
  });
  afterAll(async () => {
    await database.drop();
    rmSync(exportsPath, { recursive: true, force: true });
  });

  it('keeps the previous export when a failure is injected mid-export', async () => {
    const first = await generateExports(database.db, config(), { queue, tenantId: PARIS });
    const before = await readCurrentExport(exportsPath, PARIS);
    expect(before.generation).toBe(first.exports[0]!.generation);

    // New data that the failed export would have published.
    await insertTicket(database.db, PARIS, { external_id: 'NEW', created_at: '2026-01-26T10:00:00Z' });

    let filesWritten = 0;
    let checkedMidway = false;
    const failing = generateExports(database.db, config(), {
      queue,
      tenantId: PARIS,
      hooks: {
        async afterFile(file) {
          filesWritten += 1;
          expect(existsSync(join(file.staging, file.name))).toBe(true);
          if (filesWritten === 5) {
            // A reader right now still sees the complete previous export.
            expect((await readCurrentExport(exportsPath, PARIS)).generation).toBe(before.generation);
            checkedMidway = true;
            throw new Error('injected failure after 5 files');
          }
        },
      },
    });
    await expect(failing).rejects.toThrow('injected failure after 5 files');
    expect(checkedMidway).toBe(true);

    const after = await readCurrentExport(exportsPath, PARIS);
    expect(after.generation).toBe(before.generation);
    expect(after.manifest).toEqual(before.manifest);
    const tickets = await readParquet(currentFile(exportsPath, PARIS, 'fact_tickets.parquet'));
    expect(tickets.map((row) => row.ticket_key)).not.toContain('NEW');
    expect(incompleteFolders(exportsPath, PARIS)).toEqual([]);
    expect(readdirSync(join(exportsPath, PARIS, 'generations'))).toEqual([before.generation]);

    // The next export succeeds and publishes the new data.
    await generateExports(database.db, config(), { queue, tenantId: PARIS });
    const next = await readParquet(currentFile(exportsPath, PARIS, 'fact_tickets.parquet'));
    expect(next.map((row) => row.ticket_key)).toContain('NEW');
  });

  it('keeps the previous export when the failure comes after the last data file (manifest)', async () => {
    const before = await readCurrentExport(exportsPath, PARIS);
    await expect(
      generateExports(database.db, config(), {
        queue,
        tenantId: PARIS,
        hooks: {
          afterFile(file) {
            if (file.name === 'manifest.json') throw new Error('crash before publishing');
          },
        },
      }),
    ).rejects.toThrow('crash before publishing');
    expect((await readCurrentExport(exportsPath, PARIS)).generation).toBe(before.generation);
    expect(incompleteFolders(exportsPath, PARIS)).toEqual([]);
  });

  it('turns a file-system error mid-export into a 503 problem naming the path and the errno', async () => {
    const before = await readCurrentExport(exportsPath, PARIS);
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
      path: join(exportsPath, PARIS, 'generations', 'x', 'fact_tickets.csv'),
    });
    const error = await generateExports(database.db, config(), {
      queue,
      tenantId: PARIS,
      hooks: {
        afterFile() {
          throw enospc;
        },
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).kind).toBe('unavailable');
    expect((error as DomainError).detail).toContain('ENOSPC: no space left on device');
    expect((error as DomainError).detail).toContain(enospc.path);
    expect((await readCurrentExport(exportsPath, PARIS)).generation).toBe(before.generation);
  });

  it('serializes concurrent exports: each completes, current is one complete generation', async () => {
    const results = await Promise.all([
      generateExports(database.db, config(), { queue, tenantId: PARIS }),
      generateExports(database.db, config(), { queue, tenantId: PARIS }),
      generateExports(database.db, config(), { queue }),
    ]);
    const generations = results.flatMap((r) => r.exports.filter((e) => e.tenant_id === PARIS).map((e) => e.generation));
    expect(new Set(generations).size).toBe(3);
    const current = await readCurrentExport(exportsPath, PARIS);
    expect(current.generation).toBe(generations.sort().at(-1));
    expect(readdirSync(join(exportsPath, PARIS, 'generations')).filter((name) => !name.startsWith('.'))).toHaveLength(3);
  });

  it('removes leftovers of a crashed export once they are old', async () => {
    const stale = join(exportsPath, PARIS, 'generations', '.incomplete-20000101T000000000Z-dead00');
    mkdirSync(stale);
    writeFileSync(join(stale, 'fact_tickets.csv'), 'half');
    const { utimesSync } = await import('node:fs');
    utimesSync(stale, new Date('2000-01-01'), new Date('2000-01-01'));
    await generateExports(database.db, config(), { queue, tenantId: PARIS });
    expect(existsSync(stale)).toBe(false);
  });
});

describe('an unusable exports folder is a 503 problem and an error in /health, never a crash', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'exports-bad-'));
  const aFile = join(scratch, 'not-a-folder');
  writeFileSync(aFile, 'x');
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  async function expect503(exportsPath: string, ...fragments: string[]) {
    const t: TestApp = await createTestApp({ EXPORTS_PATH: exportsPath });
    try {
      await createTenant(t.ctx.db, { id: PARIS, name: 'Paris MSP', timezone: 'Europe/Paris' });
      const res = await t.app.inject({ method: 'POST', url: `/internal/exports/generate?tenant_id=${PARIS}`, headers: t.internalHeaders });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json();
      expect(problem).toMatchObject({ status: 503, title: 'Service Unavailable' });
      for (const fragment of fragments) expect(problem.detail).toContain(fragment);
      expect(problem.detail).not.toMatch(/at .*\.ts:\d+/);

      const health = await t.app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json().checks.exports.status).toBe('error');
      const ready = await t.app.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(503);
    } finally {
      await t.close();
    }
  }

  it('EXPORTS_PATH is a file, not a folder', async () => {
    await expect503(aFile, aFile, 'is not a folder', 'ENOTDIR');
  });

  it('EXPORTS_PATH is missing and cannot be created', async () => {
    const missing = join(aFile, 'exports');
    await expect503(missing, missing, 'does not exist and cannot be created', 'ENOTDIR');
  });

  it.skipIf(process.getuid?.() === 0)('EXPORTS_PATH is read-only (not testable as root, who may write anywhere)', async () => {
    const readOnly = join(scratch, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    try {
      await expect503(readOnly, readOnly, 'EACCES');
    } finally {
      chmodSync(readOnly, 0o755);
    }
  });
});
