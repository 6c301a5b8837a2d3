/**
 * Small shared pieces of the benchmark: where things live, logging to stderr (stdout is kept for
 * the results table), child processes, timing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** analytics-api/ */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const benchRoot = resolve(packageRoot, 'bench');
/** Generated mock data (git-ignored, kept between runs as a cache). */
export const dataRoot = resolve(benchRoot, 'data');
/** Results and scratch files of the last run (git-ignored). */
export const outRoot = resolve(benchRoot, 'out');
export const distMain = resolve(packageRoot, 'dist/main.js');
export const distCli = resolve(packageRoot, 'dist/cli.js');

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

const started = performance.now();

/** Progress goes to stderr so that stdout holds the table alone. */
export function log(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function now(): number {
  return performance.now();
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a command to completion. stdout can be sent to a file descriptor instead of memory (large
 * COPY outputs). Rejects on a non-zero exit unless `allowFailure`.
 */
export async function runCommand(
  command: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    stdin?: number | 'ignore';
    stdoutFd?: number;
    allowFailure?: boolean;
    timeoutMs?: number;
  } = {},
): Promise<CommandResult> {
  const t0 = now();
  const child = spawn(command, args, {
    cwd: options.cwd ?? packageRoot,
    env: options.env ?? process.env,
    stdio: [options.stdin ?? 'ignore', options.stdoutFd ?? 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (stdout.length < 50_000_000) stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 1_000_000) stderr += chunk.toString();
  });
  const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
  const code = await new Promise<number | null>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolveExit(exitCode));
  });
  if (timer) clearTimeout(timer);
  const result = { code, stdout, stderr, ms: now() - t0 };
  if (code !== 0 && !options.allowFailure) {
    const tail = (stderr || stdout).trim().split('\n').slice(-8).join('\n');
    throw new Error(`${command} ${args.slice(0, 3).join(' ')}… exited with ${code}: ${tail}`);
  }
  return result;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Runs async work over items with at most `limit` in flight, preserving nothing but completion. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index]!, index);
    }
  });
  await Promise.all(workers);
}
