/** ÉTAPE 5: the plan's six API calls, a wrong token that must be refused, and the exports. */
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  bodyExcerpt,
  curlEquivalent,
  describeExchange,
  httpCall,
  problemDetail,
  type HttpExchange,
  type HttpRequest,
} from './http-probe.js';
import type { Recorder } from './recorder.js';
import type { BlockCategory, Check, VerifyOptions } from './types.js';
import type { ApiEvidence } from './database-checks.js';

const FILE = 'api_tests.txt';

const TOKEN_FIX =
  "The token given to verify (--service-token / SERVICE_TOKEN) must equal the API's SERVICE_TOKEN: copy it from Coolify " +
  '(SERVICE_PASSWORD_64_SERVICETOKEN in the compose files) and use the same value in the n8n credential.';
const SEED_FIX = 'Run `node dist/cli.js seed-mock` in the analytics-api container (Coolify › Terminal).';
const API_KEY_FIX =
  'Give --api-key with a key of the tenant: the one `node dist/cli.js seed-mock` printed, or a new one from ' +
  '`node dist/cli.js api-key create --tenant <TENANT_ID> --name verify` in the analytics-api container.';

/** Header values as they appear in 10_commands.md and api_tests.txt. */
const SHELL_VALUES = { authorization: 'Bearer $SERVICE_TOKEN', 'x-api-key': '$TENANT_API_KEY' };

interface Call {
  n: string;
  title: string;
  request: HttpRequest;
  expected: number[];
}

async function send(rec: Recorder, call: Call, shellValues: Record<string, string> = SHELL_VALUES): Promise<HttpExchange> {
  const curl = curlEquivalent(call.request, shellValues);
  rec.command(5, `${call.n}. ${call.title} (expect ${call.expected.join('/')})`, curl);
  const exchange = await httpCall(call.request);
  rec.out(
    FILE,
    `## ${call.n}. ${call.title}`,
    `$ ${curl}`,
    `→ ${describeExchange(exchange)}; expected ${call.expected.join(' or ')}: ${exchange.status !== undefined && call.expected.includes(exchange.status) ? 'OK' : 'NOT OK'}`,
    bodyExcerpt(exchange),
    '',
  );
  return exchange;
}

/** Category and fix of an unexpected answer of an internal route, from its status and problem detail. */
function diagnose(exchange: HttpExchange, notFound: { category: BlockCategory; fix: string }): { category: BlockCategory; fix: string } {
  if (exchange.failure) return { category: 'network', fix: 'The API stopped answering during the tests: look at its logs in Coolify.' };
  const detail = (problemDetail(exchange) ?? '').toLowerCase();
  if (exchange.status === 401 || exchange.status === 403) return { category: 'authentication', fix: TOKEN_FIX };
  if (/^no route for/.test(detail)) {
    return { category: 'api', fix: 'The deployed build does not have this route: redeploy the current version of the repository.' };
  }
  if (/mock file|mock_data_path|tenants\.json/.test(detail)) {
    return {
      category: 'volumes',
      fix: "The tenant's mock files are not readable at MOCK_DATA_PATH (/app/mock-data): do not mount an empty volume over it, and use a tenant of the mock data.",
    };
  }
  if (exchange.status === 404) return notFound;
  if (exchange.status === 409) {
    return {
      category: 'configuration',
      fix: 'Set MOCK_MODE=true in the analytics-api environment (ingest without a body reads the mock files only then).',
    };
  }
  if (/exports_path|not writable|not a folder|cannot be created|eacces|erofs|enotdir|read-only|permission/.test(detail)) {
    return { category: 'volumes', fix: 'The exports folder is not writable: mount a named volume at /app/exports, writable by uid 1000.' };
  }
  if (/relation .* does not exist|migration/.test(detail)) return { category: 'migrations', fix: 'Look at /health checks.migrations.' };
  if (/database|econnrefused|connect/.test(detail)) return { category: 'database connection', fix: 'Look at /health checks.database.' };
  return { category: 'api', fix: 'Look at the response in api_tests.txt and at the API logs (Coolify › Logs).' };
}

function outcomeOf(exchange: HttpExchange, call: Call): Check['outcome'] {
  return exchange.status !== undefined && call.expected.includes(exchange.status) ? 'pass' : 'fail';
}

/**
 * The files listed by POST /internal/exports/generate: `{"exports":[{"path", "files":[{"name"}]}]}`
 * per the API, read leniently (a plain list of paths or of {path|file|name} objects works too).
 */
export function exportedFiles(json: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown, dir: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, dir);
      return;
    }
    if (typeof node === 'string') {
      found.push(dir && !node.startsWith('/') ? `${dir}/${node}` : node);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const entry = node as Record<string, unknown>;
    if (Array.isArray(entry['files'])) return visit(entry['files'], typeof entry['path'] === 'string' ? entry['path'] : dir);
    if (Array.isArray(entry['exports'])) return visit(entry['exports'], dir);
    const value = entry['path'] ?? entry['file'] ?? entry['filename'] ?? entry['name'];
    if (typeof value === 'string') visit(value, dir);
  };
  visit(json, undefined);
  return found;
}

/** File names under `dir` (following symbolic links, such as a `current` link to a generation). */
async function filesUnder(dir: string, depth = 5): Promise<Set<string>> {
  const found = new Set<string>();
  const walk = async (path: string, level: number): Promise<void> => {
    const entries = await readdir(path).catch(() => [] as string[]);
    for (const name of entries) {
      const info = await stat(join(path, name)).catch(() => undefined);
      if (info?.isDirectory() && level < depth) await walk(join(path, name), level + 1);
      else if (info?.isFile()) found.add(name);
    }
  };
  await walk(dir, 0);
  return found;
}

export async function checkApi(rec: Recorder, options: VerifyOptions, health: HttpExchange): Promise<ApiEvidence> {
  const evidence: ApiEvidence = { computed: false };
  const base = options.baseUrl;
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const auth = options.serviceToken ? { authorization: `Bearer ${options.serviceToken}` } : undefined;
  const t = options.timeoutMs;

  rec.out(FILE, '# ÉTAPE 5 — API tests', `# tenant ${options.tenantId}, date ${options.date}`, '');

  // 1. Health (sent in ÉTAPE 1; its transcript is in network_verification.txt).
  rec.out(
    FILE,
    '## 1. Health check',
    `$ curl -sS -i "${base}/health"`,
    `→ ${describeExchange(health)}; expected 200: OK`,
    '(body: see network_verification.txt and the checks above)',
    '',
  );
  rec.check({ step: 5, id: 'api.health', title: '1. GET /health', outcome: 'pass', detail: describeExchange(health) });

  if (!auth) {
    rec.check({
      step: 5,
      id: 'api.service_token',
      title: 'service token for /internal/*',
      outcome: 'fail',
      category: 'authentication',
      detail: 'no service token given (--service-token or SERVICE_TOKEN): calls 2–5, the wrong-token check and the exports were not sent',
      fix: "Pass the API's SERVICE_TOKEN with --service-token or the SERVICE_TOKEN environment variable.",
    });
  }

  if (auth) {
    // 2. Tenants.
    const call: Call = {
      n: '2',
      title: 'GET /internal/tenants (service token)',
      request: { method: 'GET', url: `${base}/internal/tenants`, headers: auth, timeoutMs: t },
      expected: [200],
    };
    const ex = await send(rec, call);
    const id = 'api.tenants';
    if (outcomeOf(ex, call) === 'pass' && Array.isArray(ex.json)) {
      const ids = (ex.json as { id?: unknown }[]).map((tenant) => tenant?.id);
      const tenantKnown = ids.includes(options.tenantId);
      rec.check({
        step: 5,
        id,
        title: '2. GET /internal/tenants',
        outcome: tenantKnown ? 'pass' : 'fail',
        category: tenantKnown ? undefined : 'migrations',
        detail: `${describeExchange(ex)}, ${ids.length} tenant(s)${tenantKnown ? `, including ${options.tenantId}` : `, not ${options.tenantId}`}`,
        fix: tenantKnown ? undefined : SEED_FIX,
      });
    } else {
      const why =
        ex.status === 200
          ? { category: 'api' as const, fix: 'The contract requires a JSON array of tenants.' }
          : diagnose(ex, { category: 'api', fix: 'Deploy a build that has /internal/tenants.' });
      rec.check({
        step: 5,
        id,
        title: '2. GET /internal/tenants',
        outcome: 'fail',
        ...why,
        detail: `${describeExchange(ex)}${problemDetail(ex) ? `: ${problemDetail(ex)}` : ''}`,
      });
    }

    // 3–4. Ingest.
    let ingested = 0;
    let ingestOk = true;
    for (const [n, entity] of [
      ['3', 'tickets'],
      ['4', 'time_entries'],
    ] as const) {
      const ingestCall: Call = {
        n,
        title: `POST /internal/ingest/${entity} (mock mode, no body)`,
        request: {
          method: 'POST',
          url: `${base}/internal/ingest/${entity}?${q({ tenant_id: options.tenantId })}`,
          headers: auth,
          timeoutMs: t,
        },
        expected: [200, 201],
      };
      const res = await send(rec, ingestCall);
      const summary = res.json as
        { received?: unknown; inserted?: unknown; updated?: unknown; unchanged?: unknown; rejected?: unknown } | undefined;
      const title = `${n}. POST /internal/ingest/${entity}`;
      if (outcomeOf(res, ingestCall) === 'pass') {
        const received = Number(summary?.received ?? 0);
        const counts = `received ${summary?.received}, inserted ${summary?.inserted}, updated ${summary?.updated}, unchanged ${summary?.unchanged}, rejected ${summary?.rejected}`;
        if (received > 0) {
          ingested += received;
          rec.check({ step: 5, id: `api.ingest_${entity}`, title, outcome: 'pass', detail: `${describeExchange(res)}: ${counts}` });
        } else {
          ingestOk = false;
          rec.check({
            step: 5,
            id: `api.ingest_${entity}`,
            title,
            outcome: 'fail',
            category: 'volumes',
            detail: `${describeExchange(res)} but no record was read (${counts})`,
            fix: "The tenant's mock files are missing or empty under MOCK_DATA_PATH (/app/mock-data).",
          });
        }
      } else {
        ingestOk = false;
        const why = diagnose(res, { category: 'migrations', fix: `Tenant unknown to the API. ${SEED_FIX}` });
        rec.check({
          step: 5,
          id: `api.ingest_${entity}`,
          title,
          outcome: 'fail',
          ...why,
          detail: `${describeExchange(res)}${problemDetail(res) ? `: ${problemDetail(res)}` : ''}`,
        });
      }
    }
    if (ingestOk) evidence.ingested = ingested;

    // 5. Compute KPIs.
    const compute: Call = {
      n: '5',
      title: 'POST /internal/kpi/compute-daily',
      request: {
        method: 'POST',
        url: `${base}/internal/kpi/compute-daily?${q({ tenant_id: options.tenantId, date: options.date })}`,
        headers: auth,
        timeoutMs: t,
      },
      expected: [200, 201],
    };
    const computed = await send(rec, compute);
    if (outcomeOf(computed, compute) === 'pass') {
      evidence.computed = true;
      rec.check({
        step: 5,
        id: 'api.compute',
        title: '5. POST /internal/kpi/compute-daily',
        outcome: 'pass',
        detail: describeExchange(computed),
      });
    } else {
      const why = diagnose(computed, { category: 'migrations', fix: `Tenant unknown to the API. ${SEED_FIX}` });
      rec.check({
        step: 5,
        id: 'api.compute',
        title: '5. POST /internal/kpi/compute-daily',
        outcome: 'fail',
        ...why,
        detail: `${describeExchange(computed)}${problemDetail(computed) ? `: ${problemDetail(computed)}` : ''}`,
      });
    }
  }

  // 6. Public API with the tenant's API key.
  if (!options.apiKey) {
    rec.out(FILE, '## 6. GET /v1/kpis/daily (X-API-Key)', '(not sent: no --api-key given)', '');
    rec.check({
      step: 5,
      id: 'api.kpis_daily',
      title: '6. GET /v1/kpis/daily with X-API-Key',
      outcome: 'fail',
      category: 'authentication',
      detail: 'no tenant API key given (--api-key): the public API could not be tested',
      fix: API_KEY_FIX,
    });
  } else {
    const call: Call = {
      n: '6',
      title: 'GET /v1/kpis/daily (X-API-Key)',
      request: {
        method: 'GET',
        url: `${base}/v1/kpis/daily?${q({ date: options.date })}`,
        headers: { 'x-api-key': options.apiKey },
        timeoutMs: t,
      },
      expected: [200],
    };
    const ex = await send(rec, call);
    const body = ex.json as { tenant_id?: unknown; date?: unknown; kpis?: unknown } | undefined;
    if (outcomeOf(ex, call) === 'pass') {
      const sameTenant = body?.tenant_id === options.tenantId;
      rec.check({
        step: 5,
        id: 'api.kpis_daily',
        title: '6. GET /v1/kpis/daily with X-API-Key',
        outcome: 'pass',
        detail: `${describeExchange(ex)}, tenant ${String(body?.tenant_id)}, date ${String(body?.date)}, ${body?.kpis && typeof body.kpis === 'object' ? Object.keys(body.kpis).length : 0} KPI(s)${sameTenant ? '' : ` (the key belongs to another tenant than ${options.tenantId})`}`,
      });
    } else {
      const why =
        ex.status === 401 || ex.status === 403
          ? {
              category: 'authentication' as const,
              fix: `The API key was refused (revoked, mistyped, or from another deployment). ${API_KEY_FIX}`,
            }
          : ex.status === 404
            ? {
                category: 'api' as const,
                fix: `No KPIs for ${options.date} for the key's tenant: check call 5 (compute-daily) and that the key belongs to tenant ${options.tenantId}.`,
              }
            : diagnose(ex, { category: 'api', fix: 'Deploy a build that has /v1/kpis/daily.' });
      rec.check({
        step: 5,
        id: 'api.kpis_daily',
        title: '6. GET /v1/kpis/daily with X-API-Key',
        outcome: 'fail',
        ...why,
        detail: `${describeExchange(ex)}${problemDetail(ex) ? `: ${problemDetail(ex)}` : ''}`,
      });
    }

    // JWT_SECRET_KEY (ÉTAPE 2): its effect on /v1/*. Recorded, never blocking: JWT auth is optional.
    const tokenCall: Call = {
      n: '6b',
      title: 'POST /v1/auth/token (X-API-Key → JWT; JWT_SECRET_KEY)',
      request: { method: 'POST', url: `${base}/v1/auth/token`, headers: { 'x-api-key': options.apiKey }, timeoutMs: t },
      expected: [200],
    };
    const issued = await send(rec, tokenCall);
    const accessToken = (issued.json as { access_token?: unknown } | undefined)?.access_token;
    if (issued.status === 200 && typeof accessToken === 'string') {
      rec.redactor.add(accessToken);
      const jwtCall: Call = {
        n: '6c',
        title: 'GET /v1/kpis/daily (Authorization: Bearer <JWT>)',
        request: {
          method: 'GET',
          url: `${base}/v1/kpis/daily?${q({ date: options.date })}`,
          headers: { authorization: `Bearer ${accessToken}` },
          timeoutMs: t,
        },
        expected: [200],
      };
      const viaJwt = await send(rec, jwtCall, { authorization: 'Bearer $JWT' });
      rec.check({
        step: 2,
        id: 'env.JWT_SECRET_KEY',
        title: 'JWT_SECRET_KEY: /v1/* with a JWT',
        outcome: viaJwt.status === 200 ? 'pass' : 'info',
        detail: `token issued; ${describeExchange(viaJwt)}`,
      });
    } else {
      rec.check({
        step: 2,
        id: 'env.JWT_SECRET_KEY',
        title: 'JWT_SECRET_KEY: /v1/* with a JWT',
        outcome: 'info',
        detail: `${describeExchange(issued)}${problemDetail(issued) ? `: ${problemDetail(issued)}` : ''} (JWT auth disabled or unavailable; API keys still work)`,
      });
    }
  }

  // 7. A wrong token (and no token) must be refused.
  const wrong = `verify-wrong-token-${randomBytes(16).toString('hex')}`;
  for (const [n, title, headers] of [
    ['7', 'GET /internal/tenants with a wrong token', { authorization: `Bearer ${wrong}` }],
    ['7b', 'GET /internal/tenants without a token', undefined],
  ] as const) {
    const call: Call = { n, title, request: { method: 'GET', url: `${base}/internal/tenants`, headers, timeoutMs: t }, expected: [401] };
    const ex = await send(rec, call, { authorization: 'Bearer not-the-service-token' });
    rec.check({
      step: 5,
      id: n === '7' ? 'api.wrong_token' : 'api.no_token',
      title: `${n}. ${title} is refused`,
      outcome: outcomeOf(ex, call),
      category: outcomeOf(ex, call) === 'pass' ? undefined : ex.failure ? 'network' : 'authentication',
      detail: describeExchange(ex),
      fix:
        outcomeOf(ex, call) === 'pass'
          ? undefined
          : 'The internal routes must answer 401 to a wrong or missing token: SERVICE_TOKEN protection is not in force on this deployment.',
    });
  }

  // 8. Exports (WF-20's call) and the files.
  if (auth) {
    const call: Call = {
      n: '8',
      title: 'POST /internal/exports/generate',
      request: {
        method: 'POST',
        url: `${base}/internal/exports/generate?${q({ tenant_id: options.tenantId })}`,
        headers: auth,
        timeoutMs: t,
      },
      expected: [201],
    };
    const ex = await send(rec, call);
    const files = exportedFiles(ex.json);
    if (outcomeOf(ex, call) === 'pass' && files.length > 0) {
      const names = [...new Set(files.map((f) => basename(f)))];
      rec.check({
        step: 5,
        id: 'api.exports',
        title: '8. POST /internal/exports/generate',
        outcome: 'pass',
        detail: `${describeExchange(ex)}, ${files.length} file(s): ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`,
      });
      if (options.exportsDir) {
        const present = await filesUnder(options.exportsDir);
        const missing = files.filter((file) => !present.has(basename(file)));
        rec.command(3, 'list the exports volume', `ls -lR ${options.exportsDir}`);
        rec.out(FILE, `$ ls -R ${options.exportsDir}   (file names)`, [...present].sort().join('\n') || '(empty)', '');
        rec.check({
          step: 3,
          id: 'volume.exports_files',
          title: `export files present in ${options.exportsDir}`,
          outcome: missing.length === 0 ? 'pass' : 'fail',
          category: missing.length === 0 ? undefined : 'volumes',
          detail: missing.length === 0 ? `${files.length} file(s) found` : `not found: ${missing.map((f) => basename(f)).join(', ')}`,
          fix:
            missing.length === 0 ? undefined : "The folder given with --exports-dir is not the volume mounted at the API's EXPORTS_PATH.",
        });
      }
    } else if (outcomeOf(ex, call) === 'pass') {
      rec.check({
        step: 5,
        id: 'api.exports',
        title: '8. POST /internal/exports/generate',
        outcome: 'fail',
        category: 'api',
        detail: `${describeExchange(ex)} but no file is listed in the answer`,
        fix: 'Look at the response in api_tests.txt.',
      });
    } else {
      const why = diagnose(ex, { category: 'migrations', fix: `Tenant unknown to the API. ${SEED_FIX}` });
      rec.check({
        step: 5,
        id: 'api.exports',
        title: '8. POST /internal/exports/generate',
        outcome: 'fail',
        ...why,
        detail: `${describeExchange(ex)}${problemDetail(ex) ? `: ${problemDetail(ex)}` : ''}`,
      });
    }
  }

  // The plan's ÉTAPE 2 item "SERVICE_TOKEN": its effect is calls 2–5 accepted and 7 refused.
  const tokenChecks = rec.checks.filter((c) => ['api.tenants', 'api.wrong_token'].includes(c.id));
  if (auth && tokenChecks.length === 2) {
    const accepted = rec.checks.find((c) => c.id === 'api.tenants')?.category !== 'authentication';
    const refused = rec.checks.find((c) => c.id === 'api.wrong_token')?.outcome === 'pass';
    rec.check({
      step: 2,
      id: 'env.SERVICE_TOKEN',
      title: 'SERVICE_TOKEN: right token accepted, wrong token refused',
      outcome: accepted && refused ? 'pass' : 'info',
      detail: `right token ${accepted ? 'accepted' : 'refused'}, wrong token ${refused ? 'refused (401)' : 'NOT refused'}`,
    });
  }
  return evidence;
}
