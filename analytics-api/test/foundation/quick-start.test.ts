import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOCK_DATA_PATH } from '../helpers/test-app.js';
import { runCli, startServer } from '../helpers/processes.js';

function credentials(output: string): { token: string; key: string } {
  const token = /SERVICE_TOKEN\s+(\S+)/.exec(output)?.[1];
  const key = /API key\s+(msk_\S+)/.exec(output)?.[1];
  if (!token || !key) throw new Error(`no credentials in the banner:\n${output}`);
  return { token, key };
}

async function waitForBanner(server: { output(): string }): Promise<string> {
  for (let i = 0; i < 100 && !server.output().includes('API key'); i += 1) await new Promise((r) => setTimeout(r, 100));
  return server.output();
}

// The embedded quick start: what `npm start` does on a fresh clone (no DATABASE_URL).
describe('embedded quick start', () => {
  it('starts on PGlite with mock tenants, prints credentials and curl lines, and reuses them on the next start', async () => {
    // DATA_DIR does not exist yet, as on a fresh clone.
    const dataDir = join(mkdtempSync(join(tmpdir(), 'quick-start-')), '.data');
    const env = { DATA_DIR: dataDir, MOCK_DATA_PATH, EXPORTS_PATH: join(dataDir, '..', 'exports') };

    const first = await startServer(env);
    const banner = await waitForBanner(first);
    const { token, key } = credentials(banner);
    expect(banner).toMatch(/curl .*\/internal\/ingest\/tickets\?tenant_id=550e8400-e29b-41d4-a716-446655440000/);
    // The banner's lines, run as printed: ingest, then the compute of the whole mock month.
    const posts = [...banner.matchAll(/curl -X POST -H "Authorization: Bearer \S+" "http:\/\/localhost:\d+([^"]+)"/g)].map((m) => m[1]!);
    const compute = posts.find((p) => p.startsWith('/internal/kpi/compute-daily'));
    expect(compute).toContain('from=2026-01-01&to=2026-01-31');
    for (const path of posts.filter((p) => p.startsWith('/internal/ingest/') || p === compute)) {
      const res = await fetch(`${first.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(res.status, path).toBe(200);
    }
    const month = await fetch(`${first.baseUrl}/v1/kpis/daily?from=2026-01-01&to=2026-01-31`, { headers: { 'x-api-key': key } });
    expect(((await month.json()) as { items: unknown[] }).items).toHaveLength(31);

    // A CLI command while the server holds the embedded database: refused, and told how to ask the server.
    const busy = runCli(['tenant', 'list'], { DATA_DIR: dataDir, MOCK_DATA_PATH });
    expect(busy.status).toBe(1);
    expect(busy.stderr).toContain(`ask the running server over HTTP with the token in ${join(dataDir, 'quickstart.json')}`);

    // verify against the quick start: no credentials typed (quickstart.json), BLOCKED announced up front.
    const proofs = join(dataDir, '..', 'proofs');
    const verify = runCli(['verify', '--base-url', first.baseUrl, '--out', 'proofs'], {
      DATA_DIR: dataDir,
      MOCK_DATA_PATH,
      INIT_CWD: join(dataDir, '..'),
    });
    expect(verify.status, verify.stderr).toBe(2);
    expect(verify.stderr.split('\n')[0]).toMatch(/^note: this API runs on its embedded database .* BLOCKED by design/);
    const verdict = readFileSync(join(proofs, '40_verdict.md'), 'utf8');
    expect(verdict).not.toContain('no service token given');
    expect(readdirSync(proofs).length).toBeGreaterThan(3);

    const tenants = await fetch(`${first.baseUrl}/internal/tenants`, { headers: { authorization: `Bearer ${token}` } });
    expect(tenants.status).toBe(200);
    expect(((await tenants.json()) as unknown[]).length).toBeGreaterThanOrEqual(3);
    const health = (await (await fetch(`${first.baseUrl}/health`)).json()) as { database_backend: string; mock_mode: boolean };
    expect(health).toMatchObject({ database_backend: 'pglite', mock_mode: true });
    expect(await first.stop()).toBe(0);

    const second = await startServer({ ...env, LOG_LEVEL: 'info' });
    expect(credentials(await waitForBanner(second))).toEqual({ token, key });
    expect(await second.stop()).toBe(0);
    // A clean stop ends with a "stopped" line.
    const last = second.output().trim().split('\n').pop() ?? '';
    expect(JSON.parse(last)).toMatchObject({ msg: 'stopped' });
  }, 120_000);
});
