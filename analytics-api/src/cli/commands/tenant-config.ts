import { readFile } from 'node:fs/promises';
import { dryRunConfig, getConfig, putConfig } from '../../tenant-config/config-service.js';
import { CliUsageError, type CliOutput, type ParsedArgs } from '../command.js';
import { stringOption, userPath } from '../args.js';
import { withDatabase } from '../with-database.js';

export const TENANT_CONFIG_USAGE = 'tenant config get --tenant ID | tenant config set --tenant ID --file F|- [--dry-run]';

async function readDocument(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(userPath(file), 'utf8');
  } catch (error) {
    throw new CliUsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliUsageError(`${file === '-' ? 'stdin' : file} is not JSON`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `tenant config get` prints the configuration document as JSON; `set` replaces it (a new version,
 * changed_by "cli"; the running server recomputes the stored days in the background), or with
 * --dry-run only validates it and lists the stored days whose values would change.
 */
export async function runTenantConfig(args: ParsedArgs): Promise<CliOutput> {
  const action = args.positionals[1];
  const tenantId = stringOption(args, 'tenant');
  if (!tenantId || (action !== 'get' && action !== 'set')) throw new CliUsageError(`usage: ${TENANT_CONFIG_USAGE}`);
  if (action === 'get') {
    const view = await withDatabase((db) => getConfig(db, tenantId), { existing: true });
    return { text: JSON.stringify(view, null, 2), json: view };
  }
  const file = stringOption(args, 'file') ?? (args.options['file'] === true ? '-' : undefined);
  if (!file) throw new CliUsageError('tenant config set needs --file F (or --file - for stdin)');
  const document = await readDocument(file);
  if (args.options['dry-run'] === true) {
    const result = await withDatabase((db) => dryRunConfig(db, tenantId, document), { existing: true });
    const text =
      `valid; ${result.changed_days.length} of ${result.stored_days_count} stored days would change` +
      (result.changed_days.length ? `:\n${result.changed_days.join('\n')}` : '');
    return { text, json: result };
  }
  const view = await withDatabase((db) => putConfig(db, tenantId, document, { changedBy: 'cli' }));
  return {
    text: `configuration of tenant ${view.tenant_id} is now version ${view.config_version}; ${view.stale_days_count} stored days will be recomputed by the running server`,
    json: view,
  };
}
