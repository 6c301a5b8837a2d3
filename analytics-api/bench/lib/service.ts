/**
 * The service under test, run the way it runs in production: the built `node dist/main.js` as a
 * child process on 127.0.0.1, its resident memory read from /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { distCli, distMain, ensureDir, log, now, outRoot, packageRoot, runCommand, sleep } from './common.js';

export const SERVICE_TOKEN = `bench-${randomBytes(24).toString('hex')}`;

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

/** Resident set size now and its high-water mark, in bytes (Linux). */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Polls a process's RSS every few milliseconds; `peak()` includes the kernel's own high-water mark. */
export class RssSampler {
  private max = 0;
  private timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 25,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  private sample(): void {
    const m = memoryOf(this.pid);
    if (m) this.max = Math.max(this.max, m.rss, m.hwm);
  }

  /** Bytes. Call before the process exits. */
  peak(): number {
    this.sample();
    return this.max;
  }

  stop(): number {
    const peak = this.peak();
    clearInterval(this.timer);
    return peak;
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpResponse {
  status: number;
  body: string;
  ms: number;
}

/** node:http rather than fetch: no client-side timeout on long ingest and export calls. */
export function request(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<HttpResponse> {
  const t0 = now();
  return new Promise((resolveResponse, reject) => {
    const req = http.request(url, { method, agent, headers: { ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) {
      req.setHeader('content-type', 'application/json');
      req.setHeader('content-length', Buffer.byteLength(options.body));
      req.end(options.body);
    } else {
      req.end();
    }
  });
}

export function expectStatus(response: HttpResponse, expected: number, what: string): HttpResponse {
  if (response.status !== expected) {
    throw new Error(`${what}: HTTP ${response.status} (expected ${expected}): ${response.body.slice(0, 400)}`);
  }
  return response;
}

/**
 * Node flags for every service the bench starts, from BENCH_SERVICE_NODE_ARGS (space-separated): the
 * service gets only the environment written below, so an experiment's flags reach it this way.
 */
const EXTRA_NODE_ARGS = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');

export interface ServiceOptions {
  databaseUrl?: string;
  env?: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  label: string;
  readyDeadlineMs?: number;
}

export class Service {
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly label: string,
    readonly startedAt: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  }

  private keep(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-20_000);
  }

  get pid(): number {
    return this.child.pid!;
  }

  logs(): string {
    return this.output;
  }

  /** Spawns the service; does not wait. */
  static spawn(options: ServiceOptions, port: number): Service {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl, SERVICE_TOKEN } : {}),
      // Long calls are the point here: the bench must not be cut short by the service's guards.
      REQUEST_TIMEOUT_MS: '3600000',
      STATEMENT_TIMEOUT_MS: '3600000',
      RATE_LIMIT_PER_MINUTE: '1000000',
      ...options.env,
    };
    const child = spawn(process.execPath, [...EXTRA_NODE_ARGS, ...(options.nodeArgs ?? []), distMain], {
      cwd: packageRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Service(child, `http://127.0.0.1:${port}`, options.label, now());
  }

  /** Starts the service and waits for GET /ready → 200. */
  static async start(options: ServiceOptions): Promise<Service> {
    const service = Service.spawn(options, await freePort());
    await service.waitReady(options.readyDeadlineMs ?? 120_000);
    log(`${options.label}: service ready (pid ${service.pid}) in ${((now() - service.startedAt) / 1000).toFixed(2)} s`);
    return service;
  }

  /** Polls /ready every `intervalMs`; returns the elapsed milliseconds since spawn. */
  async waitReady(deadlineMs: number, intervalMs = 10): Promise<number> {
    let last = '';
    for (;;) {
      if (this.child.exitCode !== null)
        throw new Error(`${this.label}: service exited with ${this.child.exitCode}: ${this.output.slice(-2000)}`);
      if (now() - this.startedAt > deadlineMs) {
        await this.stop();
        throw new Error(`${this.label}: /ready not 200 within ${deadlineMs} ms (last: ${last}) ${this.output.slice(-2000)}`);
      }
      try {
        const res = await request('GET', `${this.baseUrl}/ready`);
        if (res.status === 200) return now() - this.startedAt;
        last = `${res.status} ${res.body.slice(0, 300)}`;
      } catch {
        // not listening yet
      }
      await sleep(intervalMs);
    }
  }

  internal(method: string, path: string, body?: Buffer | string): Promise<HttpResponse> {
    return request(method, `${this.baseUrl}${path}`, { headers: { authorization: `Bearer ${SERVICE_TOKEN}` }, body });
  }

  memory(): { rss: number; hwm: number } | undefined {
    return memoryOf(this.pid);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

/** `node dist/cli.js <args> --json` against a database; returns the parsed JSON. */
export async function cli<T>(databaseUrl: string, args: string[], env: Record<string, string> = {}): Promise<T> {
  const result = await runCommand(process.execPath, [distCli, ...args, '--json'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env },
  });
  return JSON.parse(result.stdout) as T;
}

export function profileDir(): string {
  return ensureDir(`${outRoot}/profiles`);
}

/** Node flags that write a CPU profile of the service into bench/out/profiles when --cpu-prof is given. */
export function profilingArgs(enabled: boolean, name: string): string[] {
  return enabled ? ['--cpu-prof', `--cpu-prof-dir=${profileDir()}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
}
