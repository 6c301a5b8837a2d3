import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, mkdir, open, readdir, readlink, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { unavailable } from '../errors.js';
import { errnoText, isFileSystemError } from './fs-errors.js';

/**
 * The on-disk layout of one tenant's exports, and the moves that make a new export visible
 * atomically:
 *
 *   <EXPORTS_PATH>/<tenant_id>/
 *     current -> generations/<id>          the folder Power BI points at (a relative symlink)
 *     generations/
 *       <id>/                              complete exports, newest EXPORTS_KEEP kept
 *         fact_tickets.csv, fact_tickets.parquet, …, manifest.json
 *       .incomplete-<id>/                  an export being written (never visible through current)
 *
 * A generation is written in `.incomplete-<id>`, every file fsynced, then renamed to `<id>` and the
 * `current` symlink is replaced by rename(2) of a new link over it: a reader of `current/` sees the
 * previous complete generation or the new complete one, never a mix inside one file and never a
 * half-written file. A failure before that rename leaves `current` untouched.
 */
export interface TenantLayout {
  tenantDir: string;
  generationsDir: string;
  currentPath: string;
}

const INCOMPLETE = '.incomplete-';
const LINK_PREFIX = '.current-';
/** Leftovers of a crashed export older than this are removed by the next export of the tenant. */
const STALE_AFTER_MS = 60 * 60 * 1000;

export function tenantLayout(exportsPath: string, tenantId: string): TenantLayout {
  const tenantDir = join(exportsPath, tenantId);
  return { tenantDir, generationsDir: join(tenantDir, 'generations'), currentPath: join(tenantDir, 'current') };
}

/** `20261125T223500123Z-1a2b3c`: sorts by time, safe on every file system (no colons). */
export function newGenerationId(at: Date): string {
  return `${at.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * mkdir -p without `recursive: true`: Node's recursive mkdir spins forever at 100 % CPU on some
 * paths (e.g. under /proc, where mkdir answers ENOENT although the parent exists). Walks up to the
 * nearest existing folder, then creates each missing level; fails with the errno of the first
 * level that cannot be created, or ENOTDIR when an ancestor is a file.
 */
export async function createFolder(path: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(path); ;) {
    const info = await stat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null; // look further up
      throw error;
    });
    if (info) {
      if (!info.isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: current });
      }
      break;
    }
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

/**
 * Checks EXPORTS_PATH before any work: a folder (created when missing, as /health does) that is
 * writable. Anything else is a 503 naming the folder and the errno.
 */
export async function ensureExportsRoot(exportsPath: string): Promise<void> {
  const problem = (what: string, cause?: unknown) =>
    unavailable(`the exports folder is not usable: EXPORTS_PATH (${exportsPath}) ${what}`, cause);
  try {
    let info = await stat(exportsPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null; // missing: try to create it
      throw error;
    });
    if (!info) {
      await createFolder(exportsPath);
      info = await stat(exportsPath);
    }
    if (!info.isDirectory()) throw problem(`is not a folder (${errnoText('ENOTDIR')})`);
    await access(exportsPath, constants.W_OK);
  } catch (error) {
    if (!isFileSystemError(error)) throw error;
    const what =
      error.syscall === 'mkdir'
        ? 'does not exist and cannot be created'
        : error.syscall === 'access'
          ? 'is not writable'
          : 'cannot be read';
    throw problem(`${what}: ${error.syscall} ${error.path} failed (${errnoText(error.code)})`, error);
  }
}

/** fsync of a folder, so a rename or a new entry in it survives a crash. Best effort: some file systems refuse. */
async function syncFolder(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // EINVAL / EISDIR / EPERM on file systems that cannot sync a folder: nothing more to do.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export async function createStaging(layout: TenantLayout, generation: string): Promise<string> {
  await createFolder(layout.generationsDir);
  const staging = join(layout.generationsDir, `${INCOMPLETE}${generation}`);
  await mkdir(staging);
  return staging;
}

/** Throws a staging folder away (never throws). */
export async function discardStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true }).catch(() => undefined);
}

/** The generation `current` points at, or null (no export yet, or not a link we made). */
export async function currentGeneration(layout: TenantLayout): Promise<string | null> {
  try {
    const target = await readlink(layout.currentPath);
    const parts = target.split(/[\\/]/);
    return parts.length === 2 && parts[0] === 'generations' ? parts[1]! : null;
  } catch {
    return null;
  }
}

/**
 * Makes a complete staging folder the current generation: fsync it, rename it to its final name,
 * then swap the `current` link atomically. Returns the generation's folder.
 */
export async function publish(layout: TenantLayout, staging: string, generation: string): Promise<string> {
  await syncFolder(staging);
  const finalDir = join(layout.generationsDir, generation);
  await rename(staging, finalDir);
  await syncFolder(layout.generationsDir);

  const link = join(layout.tenantDir, `${LINK_PREFIX}${generation}`);
  try {
    await symlink(`generations/${generation}`, link, 'dir');
    await rename(link, layout.currentPath);
  } catch (error) {
    await unlink(link).catch(() => undefined);
    // Not published: remove it, so `current` stays the newest complete export.
    await rm(finalDir, { recursive: true, force: true }).catch(() => undefined);
    if (isFileSystemError(error) && (error.code === 'EISDIR' || error.code === 'ENOTEMPTY' || error.code === 'EEXIST')) {
      throw unavailable(
        `cannot publish the export: ${layout.currentPath} exists and is not a symbolic link (${errnoText(error.code)}); ` +
          'move it away so the service can manage it',
        error,
      );
    }
    throw error;
  }
  await syncFolder(layout.tenantDir);
  return finalDir;
}

/**
 * Keeps the newest `keep` complete generations (and always the one `current` points at), removes
 * older ones, and leftovers of crashed exports. Best effort: returns what it removed, never throws.
 */
export async function prune(layout: TenantLayout, keep: number, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await readdir(layout.generationsDir);
  } catch {
    return removed;
  }
  const current = await currentGeneration(layout);
  const complete = entries
    .filter((name) => !name.startsWith('.'))
    .sort()
    .reverse();
  const doomed = complete.slice(Math.max(1, keep)).filter((name) => name !== current);
  for (const name of doomed) {
    try {
      await rm(join(layout.generationsDir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Still in use somewhere (e.g. a Windows share holding a file open): next export retries.
    }
  }
  for (const name of entries.filter((entry) => entry.startsWith(INCOMPLETE))) {
    const path = join(layout.generationsDir, name);
    const info = await stat(path).catch(() => null);
    if (info && now - info.mtimeMs > STALE_AFTER_MS) await discardStaging(path);
  }
  const links = await readdir(layout.tenantDir).catch(() => [] as string[]);
  for (const name of links.filter((entry) => entry.startsWith(LINK_PREFIX))) {
    const info = await lstat(join(layout.tenantDir, name)).catch(() => null);
    if (!info || now - info.mtimeMs > STALE_AFTER_MS) await unlink(join(layout.tenantDir, name)).catch(() => undefined);
  }
  return removed;
}
