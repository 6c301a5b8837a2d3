import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL 15 primary and a streaming standby of it (pg_basebackup -R), each a cluster of its own
 * in a temporary folder on a free port, so the tests need no change to the machine's cluster. initdb
 * and pg_ctl refuse to run as root: as root they run as the postgres user, who owns the folder.
 */
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

function run(tool: string, args: string[]): string {
  const command = asRoot ? 'runuser' : join(BIN, tool);
  const argv = asRoot ? ['-u', 'postgres', '--', join(BIN, tool), ...args] : args;
  return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface StandbyPair {
  primaryUrl: string;
  standbyUrl: string;
  stopStandby(): void;
  startStandby(): void;
  /** Stops both clusters and removes the folder. */
  destroy(): void;
}

export async function startStandbyPair(): Promise<StandbyPair> {
  const root = mkdtempSync(join(tmpdir(), 'standby-pair-'));
  chmodSync(root, 0o700);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  const primaryDir = join(root, 'primary');
  const standbyDir = join(root, 'standby');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const pgCtl = (dir: string, ...args: string[]) =>
    run('pg_ctl', ['-D', dir, '-l', join(root, `${dir === primaryDir ? 'primary' : 'standby'}.log`), ...args]);

  run('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  // initdb's pg_hba.conf with --auth=trust already lets 127.0.0.1 connect for replication.
  const settings = [
    `port = ${primaryPort}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${root}'`,
    'wal_level = replica',
    'max_wal_senders = 4',
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'shared_buffers = 16MB',
    'max_connections = 40',
  ];
  appendFileSync(join(primaryDir, 'postgresql.conf'), `\n${settings.join('\n')}\n`);
  pgCtl(primaryDir, 'start', '-w');
  try {
    run('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      standbyDir,
      '-R',
      '-X',
      'stream',
      '--no-sync',
    ]);
    appendFileSync(join(standbyDir, 'postgresql.conf'), `\nport = ${standbyPort}\nhot_standby = on\n`);
    pgCtl(standbyDir, 'start', '-w');
  } catch (error) {
    try {
      pgCtl(primaryDir, 'stop', '-m', 'immediate');
    } catch {
      /* already stopped */
    }
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  let standbyRunning = true;
  return {
    primaryUrl: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`,
    standbyUrl: `postgres://postgres@127.0.0.1:${standbyPort}/postgres`,
    stopStandby() {
      pgCtl(standbyDir, 'stop', '-m', 'fast', '-w');
      standbyRunning = false;
    },
    startStandby() {
      pgCtl(standbyDir, 'start', '-w');
      standbyRunning = true;
    },
    destroy() {
      if (standbyRunning) {
        try {
          pgCtl(standbyDir, 'stop', '-m', 'immediate', '-w');
        } catch {
          /* already stopped */
        }
      }
      try {
        pgCtl(primaryDir, 'stop', '-m', 'immediate', '-w');
      } catch {
        /* already stopped */
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
