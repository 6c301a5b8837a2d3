import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashApiKey, tenantIdOfApiKey } from '../auth/api-keys.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { findKeyOwner } from '../tenants/tenant-store.js';
import { createApiKey, seedMockTenants } from '../tenants/tenant-service.js';

const DEMO_TENANT_ID = '550e8400-e29b-41d4-a716-446655440000';
/** The month the mock data covers (analytics-api/mock-data/README.md). */
const MOCK_MONTH = { from: '2026-01-01', to: '2026-01-31' } as const;

/**
 * The embedded quick start's credentials. They live next to the embedded database (DATA_DIR,
 * file mode 0600) so that a second `npm start` reuses the same token and key: a developer
 * convenience that exists only without DATABASE_URL.
 */
export interface QuickStartState {
  service_token: string;
  api_key: string;
  tenant_id: string;
}

async function readState(file: string): Promise<Partial<QuickStartState>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<QuickStartState>;
  } catch {
    return {};
  }
}

async function keyStillWorks(db: Database, key: string | undefined): Promise<boolean> {
  if (!key) return false;
  const tenantId = tenantIdOfApiKey(key);
  if (!tenantId) return false;
  const owner = await findKeyOwner(db, tenantId, hashApiKey(key));
  return owner !== undefined && !owner.revoked && owner.tenant_active;
}

export async function prepareQuickStart(config: Config, db: Database): Promise<QuickStartState> {
  const file = join(config.dataDir, 'quickstart.json');
  const saved = await readState(file);
  const seeded = await seedMockTenants(db, config.mockDataPath);
  const demoTenant = seeded.tenants.find((t) => t.id === DEMO_TENANT_ID) ?? seeded.tenants[0];
  if (!demoTenant) throw new Error('the mock data lists no tenant');

  let apiKey = saved.api_key ?? '';
  if (!(await keyStillWorks(db, apiKey))) {
    apiKey = seeded.api_keys.find((k) => k.tenant_id === demoTenant.id)?.key ?? (await createApiKey(db, demoTenant.id, 'quick-start')).key;
  }
  const state: QuickStartState = {
    service_token: config.serviceToken ?? saved.service_token ?? randomBytes(32).toString('base64url'),
    api_key: apiKey,
    tenant_id: demoTenant.id,
  };
  await writeFile(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

export function quickStartBanner(state: QuickStartState, port: number): string {
  const base = `http://localhost:${port}`;
  const auth = `-H "Authorization: Bearer ${state.service_token}"`;
  const t = state.tenant_id;
  return [
    '',
    '  MSP Analytics API — embedded quick start (PGlite in DATA_DIR, MOCK_MODE on)',
    '',
    `  SERVICE_TOKEN  ${state.service_token}`,
    `  API key        ${state.api_key}   (tenant ${t})`,
    `  Dashboard      ${base}/dashboard      API docs  ${base}/docs`,
    '',
    "  The deployment plan's checks (ÉTAPE 5), ready to paste:",
    `  curl ${base}/health`,
    `  curl ${auth} ${base}/internal/tenants`,
    `  curl -X POST ${auth} "${base}/internal/ingest/tickets?tenant_id=${t}"`,
    `  curl -X POST ${auth} "${base}/internal/ingest/time_entries?tenant_id=${t}"`,
    // The whole mock month, so that the dashboard's first view is a month and not one day.
    `  curl -X POST ${auth} "${base}/internal/kpi/compute-daily?tenant_id=${t}&from=${MOCK_MONTH.from}&to=${MOCK_MONTH.to}"`,
    `  curl -H "X-API-Key: ${state.api_key}" "${base}/v1/kpis/daily?date=2026-01-24"`,
    `  curl -X POST ${auth} "${base}/internal/exports/generate?tenant_id=${t}"`,
    '',
  ].join('\n');
}
