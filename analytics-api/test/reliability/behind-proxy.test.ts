import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, TEST_SERVICE_TOKEN } from '../helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

/**
 * TRUST_PROXY (issue #18, point 1): the API behind a reverse proxy, all on loopback. The proxy listens
 * on 127.0.0.1 and reaches the API from 127.0.0.1, appending the client's address to X-Forwarded-For
 * like Traefik; the "clients" bind their sockets to 127.0.0.2, .3, .4 (all of 127.0.0.0/8 is loopback).
 */

const PROXY_ADDRESS = '127.0.0.1';
const ATTACKER = '127.0.0.2';
const BYSTANDER = '127.0.0.3';
const N8N = '127.0.0.4';
const AUTH_FAILURES = 20;
const WRONG_KEYS = 1_000;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const agents = new Map<string, Agent>();
function agentFor(localAddress: string): Agent {
  let agent = agents.get(localAddress);
  if (!agent) {
    agent = new Agent({ keepAlive: true, localAddress } as ConstructorParameters<typeof Agent>[0]);
    agents.set(localAddress, agent);
  }
  return agent;
}

function send(port: number, path: string, headers: Record<string, string>, from: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, agent: agentFor(from) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A reverse proxy in a few lines: forwards to the API and appends the peer's address to X-Forwarded-For. */
async function startProxy(targetPort: number): Promise<{ server: Server; port: number }> {
  const upstream = new Agent({ keepAlive: true, localAddress: PROXY_ADDRESS } as ConstructorParameters<typeof Agent>[0]);
  const server = createServer((req, res) => {
    const given = req.headers['x-forwarded-for'];
    const peer = req.socket.remoteAddress ?? '';
    const forwarded = given ? `${given}, ${peer}` : peer;
    const out = request(
      {
        host: '127.0.0.1',
        port: targetPort,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, 'x-forwarded-for': forwarded },
        agent: upstream,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, PROXY_ADDRESS, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function stack(trustProxy: string | undefined, database: TestDatabase) {
  const t = await createTestApp(
    { AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES), ...(trustProxy ? { TRUST_PROXY: trustProxy } : {}) },
    database,
  );
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const apiPort = (t.app.server.address() as AddressInfo).port;
  const proxy = await startProxy(apiPort);
  return {
    t,
    apiPort,
    proxyPort: proxy.port,
    async close() {
      await new Promise((resolve) => proxy.server.close(resolve));
      proxy.server.closeAllConnections();
      await t.close();
    },
  };
}

const KPI_RANGE = '/v1/kpis/daily?from=2026-01-01&to=2026-01-02';

async function floodWrongKeys(port: number, validKey: string): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  for (let i = 0; i < WRONG_KEYS; i += 1) {
    const wrong = `${validKey.slice(0, -6)}${String(i).padStart(6, '0')}`;
    const res = await send(port, KPI_RANGE, { 'x-api-key': wrong }, ATTACKER);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
  return statuses;
}

describe('behind a reverse proxy (TRUST_PROXY)', () => {
  let database: TestDatabase;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const tenant = await createTenant(database.db, { name: 'Proxy MSP' });
    key = (await createApiKey(database.db, tenant.id, 'dashboard')).key;
  });
  afterAll(async () => {
    for (const agent of agents.values()) agent.destroy();
    await database?.drop();
  });

  it(`TRUST_PROXY=${PROXY_ADDRESS}: ${WRONG_KEYS} wrong keys from one client get 429s, another client and the service token keep working, forged X-Forwarded-For changes nothing`, async () => {
    const s = await stack(PROXY_ADDRESS, database);
    try {
      const statuses = await floodWrongKeys(s.proxyPort, key);
      expect(statuses.get(401)).toBe(AUTH_FAILURES);
      expect(statuses.get(429)).toBe(WRONG_KEYS - AUTH_FAILURES);

      // The attacker is locked out, even with the right key...
      expect((await send(s.proxyPort, KPI_RANGE, { 'x-api-key': key }, ATTACKER)).status).toBe(429);
      // ...and cannot escape by claiming another address: the proxy appends the real one, and
      // only the proxy's own entry is trusted.
      expect((await send(s.proxyPort, KPI_RANGE, { 'x-api-key': key, 'x-forwarded-for': BYSTANDER }, ATTACKER)).status).toBe(429);
      // Straight to the API (an untrusted peer), a forged header is ignored as well.
      expect((await send(s.apiPort, KPI_RANGE, { 'x-api-key': key, 'x-forwarded-for': '198.51.100.7' }, ATTACKER)).status).toBe(429);

      // Another client through the same proxy, and n8n's service calls, are not affected.
      const bystander = await send(s.proxyPort, KPI_RANGE, { 'x-api-key': key }, BYSTANDER);
      expect(bystander.status, bystander.body).toBe(200);
      const viaProxy = await send(s.proxyPort, '/internal/tenants', { authorization: `Bearer ${TEST_SERVICE_TOKEN}` }, N8N);
      expect(viaProxy.status, viaProxy.body).toBe(200);
      const direct = await send(s.apiPort, '/internal/tenants', { authorization: `Bearer ${TEST_SERVICE_TOKEN}` }, N8N);
      expect(direct.status, direct.body).toBe(200);

      // The request log names the real client address.
      const remotes = new Set(
        s.t.logs.lines.map((line) => (JSON.parse(line) as { req?: { remote?: string } }).req?.remote).filter(Boolean),
      );
      expect(remotes).toContain(ATTACKER);
      expect(remotes).toContain(BYSTANDER);
    } finally {
      await s.close();
    }
  });

  it('without TRUST_PROXY every client behind the proxy shares its address: the flood locks the other client out (what TRUST_PROXY fixes)', async () => {
    const s = await stack(undefined, database);
    try {
      for (let i = 0; i < AUTH_FAILURES; i += 1) await send(s.proxyPort, KPI_RANGE, { 'x-api-key': `${key.slice(0, -6)}AAAAAA` }, ATTACKER);
      expect((await send(s.proxyPort, KPI_RANGE, { 'x-api-key': key }, BYSTANDER)).status).toBe(429);
      // A forged header is not trusted either way.
      expect((await send(s.apiPort, KPI_RANGE, { 'x-api-key': key, 'x-forwarded-for': '198.51.100.8' }, BYSTANDER)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
