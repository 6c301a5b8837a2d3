/** ÉTAPE 1: can the API be reached by its hostname from here, and does /health answer? */
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { bodyExcerpt, curlEquivalent, describeExchange, httpCall, type HttpExchange } from './http-probe.js';
import { maskDatabaseUrl } from './mask.js';
import { hostPort, resolveHost, tcpConnect } from './network-probe.js';
import type { Recorder } from './recorder.js';
import type { VerifyOptions } from './types.js';

const FILE = 'network_verification.txt';

const NETWORK_FIX =
  'Run verify where n8n runs (same Docker network), with the internal URL http://analytics-api:8000. In Coolify, ' +
  'deploy deploy/coolify/docker-compose.full.yml as one stack, or enable "Connect to Predefined Network" on the n8n ' +
  'service and the analytics-api stack (same Destination). Check that analytics-api is running and healthy in Coolify.';

async function probeHost(rec: Recorder, label: string, host: string, port: number): Promise<{ ok: boolean; detail: string }> {
  if (!host) return { ok: true, detail: `${label}: no host (local socket)` };
  let addresses = [host];
  if (!isIP(host)) {
    rec.command(1, `resolve ${label} host name`, `getent hosts ${host}`);
    const resolved = await resolveHost(host);
    rec.out(
      FILE,
      `$ getent hosts ${host}`,
      resolved.ok ? resolved.addresses.map((a) => `${a}  ${host}`).join('\n') : `(not resolved: ${resolved.error})`,
      '',
    );
    if (!resolved.ok) return { ok: false, detail: `${label}: the name "${host}" does not resolve from ${hostname()} (${resolved.error})` };
    addresses = resolved.addresses;
  }
  rec.command(1, `open a TCP connection to ${label}`, `nc -vz -w 5 ${host} ${port}`);
  const tcp = await tcpConnect(host, port, 5_000);
  rec.out(
    FILE,
    `$ nc -vz -w 5 ${host} ${port}`,
    tcp.ok ? `Connection to ${host} (${addresses.join(', ')}) ${port} port [tcp] succeeded (${tcp.durationMs} ms)` : `failed: ${tcp.error}`,
    '',
  );
  if (!tcp.ok)
    return { ok: false, detail: `${label}: ${host}:${port} (${addresses.join(', ')}) refuses or drops TCP connections (${tcp.error})` };
  return { ok: true, detail: `${label}: ${host} → ${addresses.join(', ')}, TCP ${port} open (${tcp.durationMs} ms)` };
}

/** Returns the /health exchange when the API answered it. */
export async function checkNetwork(rec: Recorder, options: VerifyOptions): Promise<HttpExchange | undefined> {
  const { host, port } = hostPort(options.baseUrl);
  rec.out(
    FILE,
    `# ÉTAPE 1 — network verification`,
    `# from: ${hostname()} (where verify ran), at ${new Date().toISOString()}`,
    `# API: ${options.baseUrl}`,
    '',
  );

  const api = await probeHost(rec, 'analytics-api', host, port);
  if (!api.ok) {
    rec.check({
      step: 1,
      id: 'network.api',
      title: `reach ${host}:${port}`,
      outcome: 'fail',
      category: 'network',
      detail: api.detail,
      fix: NETWORK_FIX,
    });
  } else {
    rec.check({ step: 1, id: 'network.api', title: `reach ${host}:${port}`, outcome: 'pass', detail: api.detail });
  }

  const request = { method: 'GET' as const, url: `${options.baseUrl}/health`, timeoutMs: Math.min(options.timeoutMs, 15_000) };
  rec.command(1, 'GET /health (from the n8n container: wget -qO- http://analytics-api:8000/health)', curlEquivalent(request));
  let health: HttpExchange | undefined;
  if (api.ok) {
    health = await httpCall(request);
    rec.out(FILE, `$ ${curlEquivalent(request)}`, describeExchange(health), bodyExcerpt(health, 4_000), '');
    const body = health.json as { status?: unknown } | undefined;
    if (health.failure) {
      rec.check({
        step: 1,
        id: 'health',
        title: 'GET /health',
        outcome: 'fail',
        category: 'network',
        detail: describeExchange(health),
        fix: NETWORK_FIX,
      });
      health = undefined;
    } else if (health.status === 200 && body?.status === 'ok') {
      rec.check({ step: 1, id: 'health', title: 'GET /health', outcome: 'pass', detail: `200, status "ok" (${health.durationMs} ms)` });
    } else {
      // Something answered, but not the API's /health: a proxy ("no available server"), another service on that port…
      rec.check({
        step: 1,
        id: 'health',
        title: 'GET /health',
        outcome: 'fail',
        category: 'network',
        detail: `${describeExchange(health)} without the API's {"status":"ok"} body: the URL does not lead to a running analytics-api`,
        fix: `${NETWORK_FIX} Behind Coolify's proxy, "no available server" means the container is unhealthy or not on the proxy network.`,
      });
      health = undefined;
    }
  } else {
    rec.out(FILE, `$ ${curlEquivalent(request)}`, '(not sent: the host is not reachable)', '');
    rec.check({ step: 1, id: 'health', title: 'GET /health', outcome: 'skip', detail: 'not sent: the host is not reachable' });
  }

  if (options.databaseUrl) {
    const db = hostPort(options.databaseUrl);
    rec.out(FILE, `# the database host (the plan's "ping postgres"), from ${hostname()}: ${maskDatabaseUrl(options.databaseUrl)}`, '');
    const probe = await probeHost(rec, 'database', db.host, db.port);
    rec.check({
      step: 1,
      id: 'network.database',
      title: `reach the database host ${db.host}:${db.port}`,
      outcome: probe.ok ? 'pass' : 'fail',
      category: probe.ok ? undefined : 'database connection',
      detail: probe.detail,
      fix: probe.ok
        ? undefined
        : 'The host of --database-url must be reachable from where verify runs: the service name (analytics-db) inside the stack, the database container name (e.g. <uuid>) on the predefined network, or a published port from the VPS.',
    });
  }
  return health;
}
