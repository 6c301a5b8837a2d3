/**
 * HTTP load with autocannon, run as its own process (so that the load generator does not share the
 * bench's event loop), against 127.0.0.1 only, bounded in time.
 */
import { createRequire } from 'node:module';
import { runCommand } from './common.js';

const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon');

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

export async function autocannon(
  url: string,
  options: { connections: number; seconds: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  if (!new URL(url).hostname.startsWith('127.')) throw new Error(`load tests only run against 127.0.0.1, not ${url}`);
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const result = await runCommand(
    process.execPath,
    [AUTOCANNON, '-c', String(options.connections), '-d', String(options.seconds), '-j', '-n', ...headerArgs, url],
    { timeoutMs: (options.seconds + 60) * 1000 },
  );
  const json = JSON.parse(result.stdout) as AutocannonJson;
  return {
    requestsPerSecond: json.requests.average,
    p50: json.latency.p50,
    p99: json.latency.p99,
    total: json.requests.total,
    non2xx: json.non2xx,
    errors: json.errors,
    timeouts: json.timeouts,
  };
}
