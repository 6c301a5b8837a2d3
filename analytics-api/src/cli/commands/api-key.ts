import { createApiKey, revokeApiKeys } from '../../tenants/tenant-service.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { stringOption } from '../args.js';
import { withDatabase } from '../with-database.js';

export const apiKeyCommand: CliCommand = {
  name: 'api-key',
  usage: 'api-key create --tenant ID --name N | api-key revoke --tenant ID (--id KEY_ID | --name N | --prefix P) | api-key revoke --key KEY',
  summary: 'create a tenant API key (printed once) or revoke keys',
  async run(args) {
    const action = args.positionals[0];
    const tenant = stringOption(args, 'tenant');
    if (action === 'create') {
      const name = stringOption(args, 'name');
      if (!tenant || !name) throw new CliUsageError('api-key create needs --tenant and --name');
      const issued = await withDatabase((db) => createApiKey(db, tenant, name));
      return { text: `API key for tenant ${issued.tenant_id} (${issued.name}), shown once:\n${issued.key}`, json: issued };
    }
    if (action === 'revoke') {
      const revoked = await withDatabase((db) =>
        revokeApiKeys(db, tenant, {
          keyId: stringOption(args, 'id'),
          name: stringOption(args, 'name'),
          prefix: stringOption(args, 'prefix'),
          key: stringOption(args, 'key'),
        }),
      );
      return { text: revoked.map((k) => `revoked ${k.id} (${k.name}, ${k.key_prefix}…) of tenant ${k.tenant_id}`).join('\n'), json: { revoked } };
    }
    throw new CliUsageError(`usage: ${this.usage}`);
  },
};
