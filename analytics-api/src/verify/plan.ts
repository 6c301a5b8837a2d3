/**
 * The deployment plan ("Déploiement MVP sur VPS Ubuntu 24.04 avec Coolify") as this repository
 * carries it out, for 00_plan.md, and what only a person can capture, for 40_verdict.md.
 */
import type { VerifyOptions } from './types.js';

export interface ManualProof {
  step: string;
  file: string;
  what: string;
}

/** The proofs of the plan that verify cannot produce: screenshots and n8n executions. */
export const MANUAL_PROOFS: ManualProof[] = [
  {
    step: 'ÉTAPE 1',
    file: '20_outputs/coolify_network.png',
    what: 'Coolify: the Destination / network of n8n, analytics-api and PostgreSQL (same stack, or "Connect to Predefined Network" on both)',
  },
  {
    step: 'ÉTAPE 1',
    file: '20_outputs/network_verification.txt',
    what: 'from the n8n container: `wget -qO- http://analytics-api:8000/health` (append its output; verify only proves the path from where it ran)',
  },
  {
    step: 'ÉTAPE 2',
    file: '20_outputs/coolify_variables.png',
    what: 'Coolify › analytics-api › Environment Variables, values hidden (SERVICE_TOKEN, DATABASE_URL, JWT_SECRET_KEY locked as secrets)',
  },
  {
    step: 'ÉTAPE 3',
    file: '20_outputs/coolify_volumes.png',
    what: 'Coolify › analytics-api › Persistent Storage: the exports volume at /app/exports (mock-data is baked into the image at /app/mock-data)',
  },
  {
    step: 'ÉTAPE 6',
    file: '20_outputs/n8n_credentials.png',
    what: 'n8n › Credentials: Header Auth "Analytics API Service Token" (Authorization: Bearer …, value masked) used by WF-01, WF-01A, WF-01B, WF-10, WF-20',
  },
  { step: 'ÉTAPE 7', file: '20_outputs/wf01_execution.json', what: 'n8n: WF-01 Orchestrator Ingestion, executed manually, succeeded' },
  { step: 'ÉTAPE 7', file: '20_outputs/wf10_execution.json', what: 'n8n: WF-10 Daily KPI Compute, executed manually, succeeded' },
  { step: 'ÉTAPE 7', file: '20_outputs/wf20_execution.json', what: 'n8n: WF-20 Export Power BI, executed manually, succeeded' },
  {
    step: 'ÉTAPE 7',
    file: '20_outputs/analytics_api_logs.txt',
    what: 'Coolify › analytics-api › Logs during the workflow runs (no secret appears in them)',
  },
];

export function planMarkdown(options: VerifyOptions, startedAt: string): string {
  return `# Plan: Déploiement MVP sur VPS Ubuntu 24.04 avec Coolify

This folder is the proofs folder of the deployment plan (\`proofs/DEPLOY-MVP-COOLIFY/\`), written by
\`analytics-api verify\` on ${startedAt}. The step-by-step guide is \`docs/deploy-coolify.md\` in the repository.

## Objective

Deploy the MSP Analytics MVP on a VPS with Coolify so that n8n calls analytics-api in MOCK mode over the
internal network (\`http://analytics-api:8000\`) to ingest data and compute daily KPIs.

\`\`\`
n8n (Coolify, :5678) --HTTP, internal hostname--> analytics-api (:8000) --> PostgreSQL (analytics-db, :5432)
\`\`\`

## This run

| parameter | value |
|---|---|
| API base URL | ${options.baseUrl} |
| tenant | ${options.tenantId} |
| KPI date | ${options.date} |
| database checks (ÉTAPE 4, 7) | ${options.databaseUrl ? 'yes (URL given, password masked in every file)' : 'no (no --database-url / DATABASE_URL)'} |

## Steps and how this repository carries them out

| step | plan | with this repository | checked by verify |
|---|---|---|---|
| ÉTAPE 1 — network | n8n reaches analytics-api by hostname; analytics-api reaches PostgreSQL | \`deploy/coolify/docker-compose.full.yml\` puts n8n, analytics-api, analytics-db (and analytics-redis) in one stack; \`docker-compose.api-only.yml\` joins Coolify's predefined network | DNS, TCP and \`GET /health\` from where verify runs; DNS/TCP to the database host |
| ÉTAPE 2 — variables & secrets | MOCK_MODE, MOCK_DATA_PATH, SERVICE_TOKEN, DATABASE_URL, EXPORTS_PATH, JWT_SECRET_KEY, REDIS_URL | wired in the compose files; secrets from Coolify magic variables (SERVICE_PASSWORD_*, SERVICE_BASE64_*) | each variable's effect through \`/health\` checks (database, migrations, redis, mock_mode) and the authenticated calls |
| ÉTAPE 3 — volumes | mock-data → /app/mock-data (ro), exports → /app/exports (rw, persistent) | mock-data baked into the image at /app/mock-data, read-only for the app user; named volume \`analytics-exports\` at /app/exports | \`/health\` checks mock_data and exports, \`POST /internal/exports/generate\` |
| ÉTAPE 4 — migrations + seed | \`psql -f analytics-api/migrations/001_initial_schema.sql\`; \`python /app/seed_mock.py\` | migrations run at start (RUN_MIGRATIONS=true), or \`node dist/cli.js migrate\`, or the psql command; seed: \`node dist/cli.js seed-mock\` | \`\\dt\`, \`schema_migrations\`, \`SELECT id, name FROM tenants\`, \`SELECT tenant_id, name FROM api_keys\` |
| ÉTAPE 5 — API tests | health, tenants, ingest tickets, ingest time entries, compute KPIs, public API with X-API-Key | the same routes | the six calls with their status codes, a wrong token (must be 401), the exports |
| ÉTAPE 6 — n8n credentials | Header Auth \`Authorization: Bearer <SERVICE_TOKEN>\` | see docs/deploy-coolify.md | manual (checklist in 40_verdict.md) |
| ÉTAPE 7 — workflows | WF-01, WF-10, WF-20 run manually; data in the DB; files in /app/exports | n8n/workflows/ | the database side: ingested rows and the KPI row of the date; the n8n side is manual |

## Success criteria (PASS)

- n8n can call analytics-api through the internal hostname;
- every API test returns 200/201;
- the workflows run without error;
- the data are ingested in the database;
- the KPIs are computed.

## BLOCKED when

- network: n8n (or verify) cannot reach analytics-api;
- authentication: SERVICE_TOKEN (or the tenant API key) is wrong or missing;
- database connection: DATABASE_URL is wrong, or the API does not use the database it names;
- volumes: mock-data not readable, or exports not writable;
- migrations: tables missing, migrations not applied, or the mock tenants not seeded.

## Layout

\`\`\`
00_plan.md            this file
10_commands.md        every command verify ran, as curl/psql equivalents, secrets masked
20_outputs/
  network_verification.txt
  api_tests.txt
  migration_output.txt   (with a database URL)
  seed_output.txt        (with a database URL)
  db_verification.txt    (with a database URL)
  *.png, wf*_execution.json   added by hand (see 40_verdict.md)
40_verdict.md         PASS / BLOCKED with reasons, and the manual checklist
\`\`\`
`;
}
