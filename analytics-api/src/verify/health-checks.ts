/** ÉTAPES 2 and 3: each variable's and volume's effect, as the API itself reports it in /health and /ready. */
import { bodyExcerpt, curlEquivalent, describeExchange, httpCall, type HttpExchange } from './http-probe.js';
import type { Recorder } from './recorder.js';
import type { BlockCategory, Check, Step, VerifyOptions } from './types.js';

const FILE = 'api_tests.txt';

interface HealthCheck {
  status?: unknown;
  detail?: unknown;
}

interface HealthBody {
  status?: unknown;
  ready?: unknown;
  database_backend?: unknown;
  mock_mode?: unknown;
  checks?: Record<string, HealthCheck | undefined>;
}

interface Rule {
  key: 'database' | 'migrations' | 'mock_data' | 'exports' | 'redis';
  step: Step;
  variable: string;
  category: BlockCategory;
  /** Outcome of a `disabled` check. */
  disabled: 'info' | 'fail';
  fix: string;
}

const RULES: Rule[] = [
  {
    key: 'database',
    step: 2,
    variable: 'DATABASE_URL',
    category: 'database connection',
    disabled: 'fail',
    fix: 'Set DATABASE_URL (secret) to postgresql://USER:PASSWORD@HOST:5432/msp_analytics with the host as seen from the API container (analytics-db in the full stack), then redeploy.',
  },
  {
    key: 'migrations',
    step: 2,
    variable: 'RUN_MIGRATIONS / migrations',
    category: 'migrations',
    disabled: 'fail',
    fix: 'Leave RUN_MIGRATIONS=true and restart the API, or run `node dist/cli.js migrate` in its container, or `psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f analytics-api/migrations/001_initial_schema.sql` (then the API records it at its next start).',
  },
  {
    key: 'redis',
    step: 2,
    variable: 'REDIS_URL',
    category: 'configuration',
    disabled: 'info',
    fix: 'REDIS_URL is optional: fix its host/password (redis://default:PASSWORD@analytics-redis:6379/1), or remove the variable to use in-process limits.',
  },
  {
    key: 'mock_data',
    step: 3,
    variable: 'MOCK_DATA_PATH (volume mock-data, read-only)',
    category: 'volumes',
    disabled: 'info',
    fix: 'The image carries the mock data at /app/mock-data: set MOCK_DATA_PATH=/app/mock-data and do not mount an (empty) volume over it. A bind mount must point at a host folder that holds tenants.json and the tenant files.',
  },
  {
    key: 'exports',
    step: 3,
    variable: 'EXPORTS_PATH (volume exports, read-write)',
    category: 'volumes',
    disabled: 'fail',
    fix: 'Mount a named volume at /app/exports (EXPORTS_PATH=/app/exports). A host folder must be writable by uid 1000 (`chown -R 1000:1000 /path/to/exports`).',
  },
];

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Records the /health checks (already fetched in ÉTAPE 1) and GET /ready. */
export async function checkHealthDetails(rec: Recorder, options: VerifyOptions, health: HttpExchange): Promise<void> {
  const body = (health.json ?? {}) as HealthBody;
  rec.out(FILE, '# ÉTAPES 2–3 — variables and volumes as the API reports them (GET /health → checks)', '');

  const failedBefore = rec.failed().length;
  for (const rule of RULES) {
    const check = body.checks?.[rule.key];
    const base = { step: rule.step, id: `health.${rule.key}`, title: `${rule.variable}: /health checks.${rule.key}` };
    if (!check || typeof check.status !== 'string') {
      rec.check({
        ...base,
        outcome: 'fail',
        category: 'api',
        detail: `/health has no checks.${rule.key} (the contract requires it)`,
        fix: 'Deploy a build of analytics-api that follows the contract.',
      });
      continue;
    }
    const detail = `${check.status}: ${text(check.detail)}`;
    rec.out(FILE, `checks.${rule.key.padEnd(10)} ${detail}`);
    if (check.status === 'ok') rec.check({ ...base, outcome: 'pass', detail });
    else if (check.status === 'disabled' && rule.disabled === 'info') rec.check({ ...base, outcome: 'info', detail });
    else rec.check({ ...base, outcome: 'fail', category: rule.category, detail, fix: rule.fix });
  }

  // The plan runs on PostgreSQL through DATABASE_URL: the embedded PGlite means the variable did not arrive.
  if (body.database_backend === 'pglite') {
    rec.check({
      step: 2,
      id: 'env.DATABASE_URL',
      title: 'DATABASE_URL reaches the API',
      outcome: 'fail',
      category: 'database connection',
      detail: 'the API runs on its embedded PGlite database: DATABASE_URL is not set in its container',
      fix: 'Reference DATABASE_URL in the compose file (it is, in deploy/coolify/*.yml) and set its value in Coolify, then redeploy.',
    });
  } else if (body.database_backend !== undefined) {
    rec.check({
      step: 2,
      id: 'env.DATABASE_URL',
      title: 'DATABASE_URL reaches the API',
      outcome: 'pass',
      detail: `database backend: ${text(body.database_backend)}`,
    });
  }

  const mockMode = body.mock_mode ?? (body.checks?.['mock_data']?.status === 'disabled' ? false : undefined);
  if (mockMode === true) {
    rec.check({ step: 2, id: 'env.MOCK_MODE', title: 'MOCK_MODE=true', outcome: 'pass', detail: 'mock_mode: true' });
  } else if (mockMode === false) {
    rec.check({
      step: 2,
      id: 'env.MOCK_MODE',
      title: 'MOCK_MODE=true',
      outcome: 'fail',
      category: 'configuration',
      detail: 'the API runs with MOCK_MODE=false: ingest calls without a body answer 409 (nothing to pull)',
      fix: 'Set MOCK_MODE=true in the analytics-api environment and redeploy.',
    });
  }
  rec.out(FILE, '');

  const request = { method: 'GET' as const, url: `${options.baseUrl}/ready`, timeoutMs: Math.min(options.timeoutMs, 15_000) };
  rec.command(2, 'GET /ready (200 when every enabled dependency is usable)', curlEquivalent(request));
  const ready = await httpCall(request);
  rec.out(FILE, `$ ${curlEquivalent(request)}`, describeExchange(ready), '');
  const explained = rec.failed().length > failedBefore;
  const readyCheck: Check = { step: 2, id: 'ready', title: 'GET /ready', outcome: 'pass', detail: describeExchange(ready) };
  if (ready.status !== 200) {
    if (explained) readyCheck.outcome = 'info';
    else {
      readyCheck.outcome = 'fail';
      readyCheck.category = 'api';
      readyCheck.fix = 'Look at the /ready body in api_tests.txt and at the API logs.';
    }
    readyCheck.detail = `${describeExchange(ready)} (expected 200)`;
    if (!explained) rec.out(FILE, bodyExcerpt(ready), '');
  }
  rec.check(readyCheck);
}
