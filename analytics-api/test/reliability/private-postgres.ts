import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../helpers/processes.js';

/**
 * A PostgreSQL 15 instance of one test's own (initdb into a temp folder), which the test may stop
 * and start without touching the machine's shared cluster that other tests use. initdb and the
 * server refuse to run as root, so as root every command runs as the `postgres` system user.
 * Clients authenticate with a password (scram-sha-256) over TCP: the instance proves that the
 * password in DATABASE_URL is really used, and that it never reaches a log.
 */
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  port: number;
  /** postgres://app:<password>@127.0.0.1:<port>/analytics */
  url: string;
  password: string;
  start(): void;
  /** pg_ctl stop -m fast: clients are disconnected, the server shuts down cleanly. */
  stop(): void;
  destroy(): void;
  running(): boolean;
  log(): string;
}

function asPostgresUser(command: string, args: string[]): { status: number; output: string } {
  const root = process.getuid?.() === 0;
  const result = root
    ? spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args], { encoding: 'utf8', timeout: 60_000 })
    : spawnSync(join(BIN, command), args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status ?? -1, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

function mustRun(command: string, args: string[]): void {
  const result = asPostgresUser(command, args);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.output}`);
}

export async function createPrivatePostgres(password = `pw-${Math.random().toString(36).slice(2)}-Secr3t`): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-private-'));
  if (process.getuid?.() === 0) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  }
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  mustRun('initdb', ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--auth-local=trust', '--auth-host=scram-sha-256']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const instance: PrivatePostgres = {
    port,
    password,
    url: `postgres://app:${encodeURIComponent(password)}@127.0.0.1:${port}/analytics`,
    start() {
      mustRun('pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', '-t', '60', 'start']);
    },
    stop() {
      mustRun('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    destroy() {
      if (existsSync(join(data, 'postmaster.pid'))) asPostgresUser('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
    running: () => existsSync(join(data, 'postmaster.pid')),
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
  try {
    instance.start();
    // The owner of the application database is a role with a password; the unix socket (trust)
    // is used only for this set-up.
    const psql = (sql: string) => {
      const result = spawnSync(
        'psql',
        ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql],
        {
          encoding: 'utf8',
        },
      );
      if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
    };
    psql(`CREATE ROLE app LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
    psql('CREATE DATABASE analytics OWNER app');
  } catch (error) {
    instance.destroy();
    throw error;
  }
  return instance;
}

/** A pg client of the test itself (as the application role). */
export async function connect(instance: PrivatePostgres): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: instance.url });
  await client.connect();
  return client;
}
