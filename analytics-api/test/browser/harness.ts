/**
 * What the browser test stands on: a fresh PostgreSQL database, the built API (dist/main.js) as a
 * child process with the mock data ingested and the KPIs computed, and Debian's Chromium driven by
 * playwright-core. Nothing here is faked: the page talks to the real API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium, type BrowserContext } from 'playwright-core';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(PACKAGE_ROOT, 'test-artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** A database on the server where the test may CREATE DATABASE (trust auth in CI). */
const ADMIN_URL = process.env.BROWSER_TEST_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails early, with the fix, when something the test needs is missing. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install -y chromium)`);
  for (const f of ['dist/main.js', 'dist/cli.js', 'dist/dashboard/index.html']) {
    if (!existsSync(join(PACKAGE_ROOT, f))) missing.push(`analytics-api/${f} (npm run build)`);
  }
  if (missing.length) throw new Error(`browser test prerequisites missing: ${missing.join(', ')}`);
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => ok(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createDatabase(): Promise<FreshDatabase> {
  const name = `dash_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The environment of the API and its CLI: only what they need, so a developer's shell cannot leak in. */
export function apiEnv(databaseUrl: string, serviceToken: string, port: number, exportsPath: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    DATABASE_URL: databaseUrl,
    SERVICE_TOKEN: serviceToken,
    MOCK_MODE: 'true',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    EXPORTS_PATH: exportsPath,
  };
}

export function cli(args: string[], env: Record<string, string>): string {
  const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist', 'cli.js'), ...args], {
    cwd: PACKAGE_ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) {
    throw new Error(`cli ${args.join(' ')} exited ${result.status}: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

export interface ApiProcess {
  baseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startApi(env: Record<string, string>, deadlineMs = 60_000): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist', 'main.js')], {
    cwd: PACKAGE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const baseUrl = `http://${env.HOST}:${env.PORT}`;
  const started = Date.now();
  let last = 'no answer';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${output}`);
    if (Date.now() - started > deadlineMs) {
      child.kill('SIGKILL');
      throw new Error(`API did not become ready within ${deadlineMs} ms (last /ready: ${last}):\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/ready`);
      if (res.ok) break;
      last = `${res.status} ${await res.text()}`;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(join(ARTIFACTS, 'api.log'), output);
    },
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (a temporary --user-data-dir, given the way Playwright wants it). */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'dash-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: 1366, height: 768 },
    serviceWorkers: 'block',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
