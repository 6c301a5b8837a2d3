import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { packageRoot } from '../../src/config/config.js';
import { findSecrets } from './log-capture.js';

/**
 * Runs TypeScript entry points straight from src/ (the tests need no build). The loader is named by
 * its resolved location, so that a command may run in any working directory.
 */
const TSX = ['--import', import.meta.resolve('tsx')];

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>, cwd = packageRoot): CliResult {
  const result = spawnSync(process.execPath, [...TSX, resolve(packageRoot, 'src/cli.ts'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts src/main.ts and waits until /health answers (or the process dies, or the deadline passes). */
export async function startServer(env: Record<string, string>, deadlineMs = 60_000): Promise<ServerProcess> {
  const port = Number(env.PORT) || (await freePort());
  const child = spawn(process.execPath, [...TSX, resolve(packageRoot, 'src/main.ts')], {
    cwd: packageRoot,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close', not 'exit': the output read from the pipes is complete only once they are closed.
  const exited = new Promise<number | null>((resolveExit) => child.once('close', (code) => resolveExit(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    if (Date.now() - started > deadlineMs) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /health within ${deadlineMs} ms:\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    baseUrl,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      // Every log line of the process (pino's JSON lines; the quick start's banner shows its key
      // and token on purpose): no secret of its environment, no key or token (log-capture.ts).
      const logLines = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .join('\n');
      const leaks = findSecrets(logLines, [env.SERVICE_TOKEN, env.SERVICE_TOKEN_PREVIOUS, env.JWT_SECRET_KEY]);
      if (leaks.length > 0) throw new Error(`secrets in the server's log: ${leaks.join(', ')}`);
      return code;
    },
  };
}
