import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFolder, currentGeneration, newGenerationId, prune, tenantLayout } from '../../src/exports/generations.js';

const scratch = mkdtempSync(join(tmpdir(), 'exports-layout-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('createFolder', () => {
  it('creates every missing level and accepts an existing folder', async () => {
    const deep = join(scratch, 'a', 'b', 'c');
    await createFolder(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await createFolder(deep);
  });

  it('fails with ENOTDIR when an ancestor is a file', async () => {
    const file = join(scratch, 'file');
    writeFileSync(file, 'x');
    await expect(createFolder(join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR', syscall: 'mkdir' });
  });

  // Node's mkdir({ recursive: true }) never returns on such a path (it spins on ENOENT).
  it.skipIf(!existsSync('/proc/self'))('fails, and returns, where the file system refuses to create folders', async () => {
    await expect(createFolder('/proc/no-such-folder/exports')).rejects.toMatchObject({ code: 'ENOENT', syscall: 'mkdir' });
  });
});

describe('generations', () => {
  it('names generations so that they sort by time', () => {
    const older = newGenerationId(new Date('2026-01-25T06:00:00.000Z'));
    const newer = newGenerationId(new Date('2026-01-26T05:59:59.999Z'));
    expect(older).toMatch(/^20260125T060000000Z-[0-9a-f]{6}$/);
    expect([newer, older].sort()).toEqual([older, newer]);
  });

  it('keeps the newest EXPORTS_KEEP generations and always the current one', async () => {
    const layout = tenantLayout(scratch, 'tenant');
    const names = ['20260101T000000000Z-aaaaaa', '20260102T000000000Z-bbbbbb', '20260103T000000000Z-cccccc', '20260104T000000000Z-dddddd'];
    for (const name of names) mkdirSync(join(layout.generationsDir, name), { recursive: true });
    // current points at the oldest (e.g. a newer export was published by another replica, then failed over)
    symlinkSync(`generations/${names[0]}`, layout.currentPath);
    expect(await currentGeneration(layout)).toBe(names[0]);
    const removed = await prune(layout, 2);
    expect(removed).toEqual([names[1]]);
    expect(readdirSync(layout.generationsDir).sort()).toEqual([names[0], names[2], names[3]]);
  });
});
