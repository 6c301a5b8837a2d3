/**
 * quick start: the built `node dist/main.js` with no DATABASE_URL and a fresh DATA_DIR (what
 * `npm start` runs after its build) until GET /ready is 200, against a bare `PGlite.create()` on a
 * fresh directory, each in a new Node process, timed from spawn. Runs alternate; medians compared.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, log, median, now, packageRoot } from '../lib/common.js';
import type { BenchContext } from '../lib/context.js';
import { atMost, errorRow, ratioRow, type ResultRow } from '../lib/report.js';
import { freePort, Service } from '../lib/service.js';

/** The reference, as plain JavaScript (no loader): start Node, import PGlite, create a cluster, one query. */
const PGLITE_CREATE = `
const { PGlite } = await import('@electric-sql/pglite');
const db = await PGlite.create(process.env.BENCH_PGLITE_DIR);
await db.query('SELECT 1');
process.stdout.write('ready\\n');
await db.close();
`;

async function bareCreate(dir: string): Promise<number> {
  const t0 = now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', PGLITE_CREATE], {
    cwd: packageRoot,
    env: { PATH: process.env.PATH ?? '', BENCH_PGLITE_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ms = await new Promise<number>((resolveReady, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolveReady(now() - t0);
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`PGlite reference exited with ${code}: ${out.slice(-1000)}`)));
  });
  await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  return ms;
}

async function serviceStart(dataDir: string, exportsDir: string): Promise<number> {
  const service = Service.spawn(
    { label: 'quick-start', env: { DATA_DIR: dataDir, EXPORTS_PATH: exportsDir, LOG_LEVEL: 'info' } },
    await freePort(),
  );
  try {
    return await service.waitReady(120_000, 10);
  } finally {
    await service.stop();
  }
}

export async function quickStartRows(ctx: BenchContext): Promise<ResultRow[]> {
  const path = 'quick start (embedded, until /ready)';
  try {
    const root = ensureDir(join(ctx.scratch, 'quick-start'));
    const service: number[] = [];
    const reference: number[] = [];
    for (let i = 0; i < ctx.sizes.quickStartRuns; i += 1) {
      const pgliteDir = mkdtempSync(join(root, 'pglite-'));
      const dataDir = mkdtempSync(join(root, 'data-'));
      try {
        reference.push(await bareCreate(pgliteDir));
        service.push(await serviceStart(dataDir, ensureDir(join(root, 'exports'))));
      } finally {
        rmSync(pgliteDir, { recursive: true, force: true });
        rmSync(dataDir, { recursive: true, force: true });
      }
      log(`quick start: run ${i + 1}: service ${service.at(-1)!.toFixed(0)} ms, PGlite.create ${reference.at(-1)!.toFixed(0)} ms`);
    }
    return [
      ratioRow(
        'quick_start',
        path,
        { value: median(service), unit: 'ms', label: `median of ${service.length}: spawn → /ready 200, fresh DATA_DIR` },
        { value: median(reference), unit: 'ms', label: `median of ${reference.length}: spawn → PGlite.create() + SELECT 1, fresh dir` },
        atMost(2, 'PGlite.create()'),
        [],
        { service_ms: service, reference_ms: reference },
      ),
    ];
  } catch (error) {
    log(`quick start: error: ${String(error)}`);
    return [errorRow('quick_start', path, '≤ 2× PGlite.create()', error)];
  }
}
