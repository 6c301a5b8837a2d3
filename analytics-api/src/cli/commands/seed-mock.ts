import { seedMockTenants } from '../../tenants/tenant-service.js';
import type { CliCommand } from '../command.js';
import { withDatabase } from '../with-database.js';

export const seedMockCommand: CliCommand = {
  name: 'seed-mock',
  usage: 'seed-mock',
  summary: 'create the mock tenants of MOCK_DATA_PATH/tenants.json and a key for each tenant without one (idempotent)',
  async run() {
    const result = await withDatabase((db, config) => seedMockTenants(db, config.mockDataPath));
    const lines = [
      `tenants: ${result.tenants.length} (${result.created_tenants.length} created)`,
      ...result.tenants.map((t) => `  ${t.id}  ${t.name}  ${t.timezone}  ${t.source}`),
      result.api_keys.length ? 'new API keys (shown once, store them now):' : 'no new API keys: every tenant already has one',
      ...result.api_keys.map((k) => `  ${k.tenant_id}  ${k.name}  ${k.key}`),
    ];
    return { text: lines.join('\n'), json: { tenants: result.tenants, api_keys: result.api_keys } };
  },
};
