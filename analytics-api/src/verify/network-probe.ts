/** Name resolution and TCP reachability: what `ping`/`getent hosts` and a bare connect show. */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

export interface ResolveResult {
  ok: boolean;
  addresses: string[];
  error?: string;
}

export async function resolveHost(host: string): Promise<ResolveResult> {
  try {
    const found = await lookup(host, { all: true });
    return { ok: true, addresses: found.map((entry) => entry.address) };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { ok: false, addresses: [], error: code ?? message };
  }
}

export interface TcpResult {
  ok: boolean;
  durationMs: number;
  error?: string;
}

export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<TcpResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: Omit<TcpResult, 'durationMs'>) => {
      socket.destroy();
      resolve({ ...result, durationMs: Math.round(performance.now() - started) });
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, error: `ETIMEDOUT after ${timeoutMs} ms` }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, error: error.code ?? error.message }));
  });
}

/** Host and port of an http(s) or postgres URL, with the scheme's default port. */
export function hostPort(raw: string): { host: string; port: number } {
  const url = new URL(raw);
  const defaults: Record<string, number> = { 'http:': 80, 'https:': 443, 'postgres:': 5432, 'postgresql:': 5432 };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port ? Number(url.port) : (defaults[url.protocol] ?? 80) };
}
