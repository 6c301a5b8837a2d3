/**
 * The production build run the way the image runs it: `node dist/main.js` with NODE_ENV=production,
 * as a non-root user (when the tests run as root, like CI), against a real PostgreSQL; and the
 * `verify` command, through `node dist/cli.js verify` once the CLI lists it (in-process otherwise).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { parseArgs } from '../../src/cli/args.js';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import type { VerifyReport } from '../../src/verify/types.js';
import { freePort } from '../helpers/processes.js';
import { packageDir, repoRoot } from './paths.js';

export const distMain = join(packageDir, 'dist/main.js');
export const distCli = join(packageDir, 'dist/cli.js');

export const isRoot = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };

/** Whether `nobody` can reach the build and the dependencies (not when a parent folder is private). */
function nobodyCanRun(): boolean {
  if (!isRoot) return false;
  const probe = `const fs = require('fs'); for (const f of ${JSON.stringify([distMain, join(repoRoot, 'node_modules/pg/package.json')])}) fs.accessSync(f, fs.constants.R_OK);`;
  return spawnSync(process.execPath, ['-e', probe], { ...NOBODY, cwd: '/', stdio: 'ignore' }).status === 0;
}

/**
 * The image runs as uid 1000. As root (CI), the server runs as `nobody` so that file modes bite, when
 * nobody can read the checkout; otherwise as the current user.
 */
export const runAs: { uid?: number; gid?: number } = nobodyCanRun() ? NOBODY : {};

/** The PostgreSQL server of the tests: TEST_DATABASE_URL's, else the local one on 127.0.0.1:5432. */
export function adminUrl(): string {
  const url = new URL(process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  return url.toString();
}

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export interface ProductionServer {
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `NODE_ENV=production node dist/main.js`, as the image's CMD; resolves once /health answers. */
export async function startProductionServer(env: Record<string, string>, deadlineMs = 60_000): Promise<ProductionServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: packageDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...runAs,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dist/main.js exited with ${child.exitCode}:\n${output}`);
    if (Date.now() - started > deadlineMs) {
      child.kill('SIGKILL');
      throw new Error(`dist/main.js did not answer /health within ${deadlineMs} ms:\n${output}`);
    }
    const ok = await fetch(`${baseUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `node dist/cli.js <args>` with only the given environment. */
export function runDistCli(args: string[], env: Record<string, string>): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    cwd: packageDir,
    env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? '/tmp', NODE_ENV: 'production', ...env },
    encoding: 'utf8',
    timeout: 120_000,
    ...runAs,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

let cliHasVerify: boolean | undefined;

/** Whether the built CLI dispatches `verify` (src/cli.ts wires the command list). */
export function distCliHasVerify(): boolean {
  if (cliHasVerify === undefined) {
    cliHasVerify = existsSync(distCli) && /^\s+verify /m.test(runDistCli(['help'], {}).stdout);
  }
  return cliHasVerify;
}

export interface VerifyRun {
  exitCode: number;
  report: VerifyReport;
  /** stdout + stderr of the run (to check that no secret is printed). */
  printed: string;
  via: 'dist/cli.js' | 'in-process';
}

/** Runs `verify` with these arguments (`--json` added) and an otherwise empty environment. */
export async function runVerifyCommand(args: string[]): Promise<VerifyRun> {
  if (distCliHasVerify()) {
    const result = runDistCli(['verify', ...args, '--json'], {});
    if (result.status === 1) throw new Error(`verify failed to run: ${result.stderr}`);
    return {
      exitCode: result.status,
      report: JSON.parse(result.stdout) as VerifyReport,
      printed: result.stdout + result.stderr,
      via: 'dist/cli.js',
    };
  }
  const parsed = parseArgs([...args, '--json']);
  const saved = {
    SERVICE_TOKEN: process.env.SERVICE_TOKEN,
    DATABASE_URL: process.env.DATABASE_URL,
    TENANT_API_KEY: process.env.TENANT_API_KEY,
  };
  delete process.env.SERVICE_TOKEN;
  delete process.env.DATABASE_URL;
  delete process.env.TENANT_API_KEY;
  try {
    const out = await verifyCommand.run(parsed);
    return {
      exitCode: out.exitCode ?? 0,
      report: out.json as VerifyReport,
      printed: `${JSON.stringify(out.json)}\n${out.text ?? ''}`,
      via: 'in-process',
    };
  } finally {
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}

export function failedCategories(report: VerifyReport): string[] {
  return report.blocked.map((entry) => entry.category);
}
