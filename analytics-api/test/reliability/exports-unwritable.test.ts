import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

/**
 * Tests run as root, where chmod does not stop a write. Unwritable folders are made instead with
 * (a) EXPORTS_PATH naming a regular file, (b) EXPORTS_PATH below a regular file, and (c) where the
 * machine allows mounts (root with CAP_SYS_ADMIN, as on this project's CI), a small tmpfs that is
 * filled up (ENOSPC) and then remounted read-only (EROFS).
 */
const GENERATE = '/internal/exports/generate';

function expectExportsProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): { detail: string }; body: string },
  path: string,
  errno?: RegExp,
) {
  expect(res.statusCode, res.body).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const { detail } = res.json();
  expect(detail).toMatch(/EXPORTS_PATH/);
  expect(detail).toContain(path);
  if (errno) expect(detail).toMatch(errno);
  expect(res.body).not.toMatch(/\n\s+at |stack/);
}

async function seedTenant(t: TestApp): Promise<string> {
  const tenantId = (await createTenant(t.ctx.db, { name: 'Exports MSP' })).id;
  const res = await t.app.inject({
    method: 'POST',
    url: `/internal/ingest/tickets?tenant_id=${tenantId}`,
    headers: { ...t.internalHeaders, 'content-type': 'application/json' },
    payload: JSON.stringify(
      Array.from({ length: 50 }, (_, i) => ({ external_id: `X-${i}`, created_at: '2026-01-05T09:00:00Z', client_id: 'c1' })),
    ),
  });
  expect(res.statusCode, res.body).toBe(200);
  return tenantId;
}

describe('exports folder unusable', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  const cases: Array<[string, () => string, RegExp]> = [
    [
      'EXPORTS_PATH is a regular file',
      () => {
        const file = join(mkdtempSync(join(tmpdir(), 'exports-file-')), 'exports');
        writeFileSync(file, 'not a folder');
        return file;
      },
      /not a folder|ENOTDIR|EEXIST/,
    ],
    [
      'EXPORTS_PATH lies below a regular file',
      () => {
        const file = join(mkdtempSync(join(tmpdir(), 'exports-file-')), 'plain-file');
        writeFileSync(file, 'not a folder');
        return join(file, 'exports');
      },
      /ENOTDIR|not a folder/,
    ],
  ];

  it.each(cases)(
    '%s: a 503 problem naming the folder, /health reports exports as an error and /ready is 503',
    async (_name, makePath, errno) => {
      const path = makePath();
      const t = await createTestApp({ EXPORTS_PATH: path }, database);
      try {
        const tenantId = await seedTenant(t);
        expectExportsProblem(
          await t.app.inject({ method: 'POST', url: `${GENERATE}?tenant_id=${tenantId}`, headers: t.internalHeaders }),
          path,
          errno,
        );
        expectExportsProblem(await t.app.inject({ method: 'POST', url: GENERATE, headers: t.internalHeaders }), path, errno);
        const health = await t.app.inject({ method: 'GET', url: '/health' });
        expect(health.statusCode).toBe(200);
        expect(health.json().checks.exports.status).toBe('error');
        expect(health.json().checks.exports.detail).toContain(path);
        expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503);
        // The rest of the API keeps working.
        expect((await t.app.inject({ method: 'GET', url: '/internal/tenants', headers: t.internalHeaders })).statusCode).toBe(200);
      } finally {
        await t.close();
      }
    },
  );
});

function canMount(): boolean {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return false;
  const probe = mkdtempSync(join(tmpdir(), 'mount-probe-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return mounted;
}

/** Every file of an export, fact tables' month files included (they are folders), by relative path. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return files;
}

describe.skipIf(!canMount())('exports folder full, then read-only (a small tmpfs): the previous export stays intact', () => {
  let database: TestDatabase;
  let t: TestApp;
  let mountPoint: string;
  let tenantId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    mountPoint = mkdtempSync(join(tmpdir(), 'exports-tmpfs-'));
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (mount.status !== 0) throw new Error(`mount failed: ${mount.stderr}`);
    t = await createTestApp({ EXPORTS_PATH: join(mountPoint, 'exports') }, database);
    tenantId = await seedTenant(t);
  });
  afterAll(async () => {
    await t?.close();
    spawnSync('umount', ['-l', mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
    await database?.drop();
  });

  let current: string;
  let target: string;
  let before: Record<string, string>;
  const generate = () => t.app.inject({ method: 'POST', url: `${GENERATE}?tenant_id=${tenantId}`, headers: t.internalHeaders });

  it('writes a first export (the one that must survive)', async () => {
    const first = await generate();
    expect(first.statusCode, first.body).toBe(201);
    current = join(mountPoint, 'exports', tenantId, 'current');
    target = readlinkSync(current);
    before = snapshot(current);
    expect(Object.keys(before).length).toBeGreaterThan(1);
  });

  it('full (ENOSPC): a 503 problem naming the cause, and `current` still the complete previous export', async () => {
    mkdirSync(join(mountPoint, 'filler'));
    try {
      for (let i = 0; ; i += 1) {
        try {
          writeFileSync(join(mountPoint, 'filler', `f${i}`), Buffer.alloc(64 * 1024, 1));
        } catch (error) {
          expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
          break;
        }
      }
      const full = await generate();
      expect(readlinkSync(current)).toBe(target);
      expect(snapshot(current)).toEqual(before);
      expectExportsProblem(full, join(mountPoint, 'exports'), /ENOSPC/);
    } finally {
      rmSync(join(mountPoint, 'filler'), { recursive: true, force: true });
    }
  });

  it('read-only (EROFS): a 503 problem naming the cause, /health reports it, `current` unchanged', async () => {
    const remount = spawnSync('mount', ['-o', 'remount,ro', mountPoint], { encoding: 'utf8' });
    expect(remount.status, remount.stderr).toBe(0);
    try {
      const readOnly = await generate();
      expect(readlinkSync(current)).toBe(target);
      expect(snapshot(current)).toEqual(before);
      expectExportsProblem(readOnly, join(mountPoint, 'exports'), /EROFS|read-only/);
      const health = await t.app.inject({ method: 'GET', url: '/health' });
      expect(health.json().checks.exports.status).toBe('error');
    } finally {
      spawnSync('mount', ['-o', 'remount,rw', mountPoint]);
    }
  });

  it('writable again: exports work again without a restart', async () => {
    const after = await generate();
    expect(after.statusCode, after.body).toBe(201);
    expect(readlinkSync(current)).not.toBe(target);
  });
});
