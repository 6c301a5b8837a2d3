/**
 * PostgreSQL side of the benchmark: fresh databases created from the admin URL (and always dropped),
 * psql for COPY (the physical reference), a plain `pg` client for setup and EXPLAIN.
 */
import { randomBytes } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import pg from 'pg';
import { log, runCommand, type CommandResult } from './common.js';

export const adminUrl = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';

const created = new Set<string>();

export function urlFor(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'analytics-api-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database; dropped by `drop()` or, at the latest, by `dropAllDatabases()`. */
export async function createDatabase(label: string): Promise<BenchDatabase> {
  const name = `bench_${label}_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  created.add(name);
  return { name, url: urlFor(name), drop: () => dropDatabase(name) };
}

export async function dropDatabase(name: string): Promise<void> {
  if (!created.has(name)) return;
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  created.delete(name);
}

export async function dropAllDatabases(): Promise<void> {
  for (const name of [...created]) {
    await dropDatabase(name).catch((error: unknown) => log(`could not drop ${name}: ${String(error)}`));
  }
}

export async function serverVersion(): Promise<string> {
  return withClient(adminUrl, async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version);
}

/** psql with ON_ERROR_STOP, quiet; `stdoutFile` receives the output (COPY … TO STDOUT). */
export async function psql(url: string, args: string[], options: { stdoutFile?: string; stdinFile?: string } = {}): Promise<CommandResult> {
  const stdoutFd = options.stdoutFile ? openSync(options.stdoutFile, 'w') : undefined;
  const stdinFd = options.stdinFile ? openSync(options.stdinFile, 'r') : undefined;
  try {
    return await runCommand('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...args], { stdoutFd, stdin: stdinFd });
  } finally {
    if (stdoutFd !== undefined) closeSync(stdoutFd);
    if (stdinFd !== undefined) closeSync(stdinFd);
  }
}

export async function vacuumAnalyze(url: string): Promise<void> {
  await withClient(url, (c) => c.query('VACUUM (ANALYZE)'));
}
