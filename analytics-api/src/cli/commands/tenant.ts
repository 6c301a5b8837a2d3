import { deleteTenant } from '../../tenants/offboarding.js';
import { createTenant, listTenants, setTenantActive } from '../../tenants/tenant-service.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { stringOption } from '../args.js';
import { withDatabase } from '../with-database.js';
import { runTenantConfig, TENANT_CONFIG_USAGE } from './tenant-config.js';

export const tenantCommand: CliCommand = {
  name: 'tenant',
  usage:
    'tenant create --name N [--id UUID] [--timezone TZ] [--source S] [--capacity H] | tenant list | tenant deactivate|activate --id UUID | tenant delete --id UUID [--yes] | ' +
    TENANT_CONFIG_USAGE,
  summary: 'create, list, activate, deactivate or delete (offboard) tenants; read or set their KPI configuration',
  async run(args) {
    const action = args.positionals[0];
    if (action === 'config') return runTenantConfig(args);
    if (action === 'create') {
      const name = stringOption(args, 'name');
      if (!name) throw new CliUsageError('tenant create needs --name');
      const capacity = stringOption(args, 'capacity');
      const tenant = await withDatabase((db) =>
        createTenant(db, {
          name,
          id: stringOption(args, 'id'),
          timezone: stringOption(args, 'timezone'),
          source: stringOption(args, 'source'),
          dailyCapacityHours: capacity === undefined ? undefined : Number(capacity),
        }),
      );
      return { text: `created tenant ${tenant.id} (${tenant.name}, ${tenant.timezone}, ${tenant.source})`, json: tenant };
    }
    if (action === 'list') {
      const tenants = await withDatabase((db) => listTenants(db), { existing: true });
      const text = tenants.length
        ? tenants
            .map((t) => `${t.id}  ${t.active ? 'active  ' : 'inactive'}  ${t.timezone.padEnd(20)} ${t.source.padEnd(11)} ${t.name}`)
            .join('\n')
        : 'no tenants';
      return { text, json: tenants };
    }
    if (action === 'activate' || action === 'deactivate') {
      const id = stringOption(args, 'id');
      if (!id) throw new CliUsageError(`tenant ${action} needs --id`);
      const tenant = await withDatabase((db) => setTenantActive(db, id, action === 'activate'));
      return { text: `tenant ${tenant.id} is now ${tenant.active ? 'active' : 'inactive'}`, json: tenant };
    }
    if (action === 'delete') {
      const id = stringOption(args, 'id');
      if (!id) throw new CliUsageError('tenant delete needs --id');
      // Without --yes nothing is removed: the counts show what would be.
      const confirmed = args.options['yes'] === true;
      const result = await withDatabase((db, config) => deleteTenant(db, config.exportsPath, id, { dryRun: !confirmed }));
      const counts = Object.entries(result.removed)
        .map(([table, n]) => `  ${table.padEnd(28)} ${n}`)
        .join('\n');
      const text = confirmed
        ? `deleted tenant ${result.tenant_id}: ${result.total_rows} rows\n${counts}\nexports folder: ${result.exports_removed ?? 'none'}`
        : `tenant ${result.tenant_id} has ${result.total_rows} rows (nothing removed; run again with --yes to delete them and its exports folder):\n${counts}`;
      return { text, json: result };
    }
    throw new CliUsageError(`usage: ${this.usage}`);
  },
};
