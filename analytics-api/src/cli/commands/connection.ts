import { readFile } from 'node:fs/promises';
import { rekeyConnections, removeConnection, setConnection, showConnection, testConnection } from '../../connectors/connection-service.js';
import { stringOption, userPath } from '../args.js';
import { CliUsageError, type CliCommand, type ParsedArgs } from '../command.js';
import { withDatabase } from '../with-database.js';

/** Secrets come from a file or stdin, never from the command line (it ends up in shell history and ps). */
async function readCredentials(args: ParsedArgs): Promise<unknown> {
  const file = stringOption(args, 'credentials-file');
  let text: string;
  if (file) {
    text = await readFile(userPath(file), 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CliUsageError(`cannot read --credentials-file (${error.code ?? error.message})`);
    });
  } else {
    if (process.stdin.isTTY) throw new CliUsageError('give the credentials as JSON in --credentials-file F, or on stdin');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliUsageError('the credentials are not a JSON object');
  }
}

function tenantOf(args: ParsedArgs, action: string): string {
  const tenant = stringOption(args, 'tenant');
  if (!tenant) throw new CliUsageError(`connection ${action} needs --tenant ID`);
  return tenant;
}

export const connectionCommand: CliCommand = {
  name: 'connection',
  usage:
    'connection set --tenant ID --psa P [--base-url U] [--credentials-file F] | connection show|test|delete --tenant ID | connection rekey',
  summary:
    "a tenant's PSA connection: set (credentials JSON from the file or stdin, stored encrypted), show (masked), test, delete; rekey re-encrypts every secret with CREDENTIALS_KEY",
  async run(args) {
    const action = args.positionals[0];
    if (action === 'set') {
      const tenant = tenantOf(args, 'set');
      const psa = stringOption(args, 'psa');
      if (!psa) throw new CliUsageError('connection set needs --psa connectwise|autotask|halopsa');
      const credentials = await readCredentials(args);
      const view = await withDatabase((db, config) =>
        setConnection(db, config, tenant, { psa, base_url: stringOption(args, 'base-url'), credentials }),
      );
      return {
        text: `connection of tenant ${view.tenant_id} set: ${view.psa} ${view.base_url ?? '(zone lookup)'}, secrets encrypted with key ${view.key_id}`,
        json: view,
      };
    }
    if (action === 'show') {
      const tenant = tenantOf(args, 'show');
      const view = await withDatabase((db, config) => showConnection(db, config, tenant), { existing: true });
      const creds = Object.entries(view.credentials)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return {
        text: `${view.tenant_id}  ${view.psa}  ${view.base_url ?? '(zone lookup)'}  ${creds}\nlast sync: ${view.last_sync_at ?? 'never'} ${view.last_sync_status ?? ''}${view.last_sync_error ? ` — ${view.last_sync_error}` : ''}`,
        json: view,
      };
    }
    if (action === 'test') {
      const tenant = tenantOf(args, 'test');
      const result = await withDatabase((db, config) => testConnection(db, config, tenant));
      return { text: `${result.psa} answered an authenticated call for tenant ${result.tenant_id}`, json: result };
    }
    if (action === 'delete') {
      const tenant = tenantOf(args, 'delete');
      await withDatabase((db) => removeConnection(db, tenant));
      return { text: `connection of tenant ${tenant} deleted (stored records stay)`, json: { tenant_id: tenant, deleted: true } };
    }
    if (action === 'rekey') {
      const result = await withDatabase((db, config) => rekeyConnections(db, config));
      return { text: `${result.rekeyed} secrets re-encrypted with key ${result.key_id}; ${result.current} already were`, json: result };
    }
    throw new CliUsageError(`usage: ${this.usage}`);
  },
};
