import { createApiKey, listApiKeys, revokeApiKeys } from '../../tenants/tenant-service.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { stringOption } from '../args.js';
import { withDatabase } from '../with-database.js';

export const apiKeyCommand: CliCommand = {
  name: 'api-key',
  usage:
    'api-key create --tenant ID --name N [--expires-at DATE] | api-key list --tenant ID | api-key revoke --tenant ID (--id KEY_ID | --name N | --prefix P) | api-key revoke --key KEY',
  summary: 'create a tenant API key (printed once, optionally expiring), list or revoke keys',
  async run(args) {
    const action = args.positionals[0];
    const tenant = stringOption(args, 'tenant');
    if (action === 'create') {
      const name = stringOption(args, 'name');
      if (!tenant || !name) throw new CliUsageError('api-key create needs --tenant and --name');
      const expiresAt = stringOption(args, 'expires-at');
      const issued = await withDatabase((db) => createApiKey(db, tenant, name, expiresAt));
      const expiry = issued.expires_at ? `, expires ${issued.expires_at}` : '';
      return { text: `API key for tenant ${issued.tenant_id} (${issued.name}${expiry}), shown once:\n${issued.key}`, json: issued };
    }
    if (action === 'list') {
      if (!tenant) throw new CliUsageError('api-key list needs --tenant');
      const keys = await withDatabase((db) => listApiKeys(db, tenant), { existing: true });
      const header = 'prefix        state    name                  created                   last used                 expires';
      const lines = keys.map((k) =>
        [
          k.key_prefix.padEnd(13),
          k.state.padEnd(8),
          k.name.padEnd(21),
          k.created_at.padEnd(25),
          (k.last_used_at ?? 'never').padEnd(25),
          k.expires_at ?? 'never',
        ].join(' '),
      );
      return { text: keys.length ? [header, ...lines].join('\n') : 'no keys', json: keys };
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
      return {
        text: revoked.map((k) => `revoked ${k.id} (${k.name}, ${k.key_prefix}…) of tenant ${k.tenant_id}`).join('\n'),
        json: { revoked },
      };
    }
    throw new CliUsageError(`usage: ${this.usage}`);
  },
};
