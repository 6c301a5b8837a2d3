import { syncTenant } from '../../connectors/sync-service.js';
import { ActiveRuns } from '../../ingest/active-runs.js';
import { stringOption } from '../args.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { withDatabase } from '../with-database.js';

export const syncCommand: CliCommand = {
  name: 'sync',
  usage: 'sync --tenant ID [--entity tickets|time_entries] [--full]',
  summary: "pull the tenant's changed records from its PSA (full: everything, and mark records gone from the PSA deleted)",
  async run(args) {
    const tenant = stringOption(args, 'tenant');
    if (!tenant) throw new CliUsageError('sync needs --tenant ID');
    const unknown = Object.keys(args.options).filter((name) => !['tenant', 'entity', 'full'].includes(name));
    if (unknown.length > 0 || args.positionals.length > 0) throw new CliUsageError(`usage: ${this.usage}`);
    const terminal = process.stderr.isTTY === true;
    const summary = await withDatabase((db, config) =>
      // The command is its own process: its run is the only one it executes.
      syncTenant(db, config, new ActiveRuns(), tenant, {
        entity: stringOption(args, 'entity'),
        full: args.options['full'] === true,
        // The progress line goes to stderr and only on a terminal, so --json output stays one document.
        onProgress: terminal ? (p) => process.stderr.write(`\r${p.entity}: page ${p.pages}, ${p.received} records`) : undefined,
      }),
    );
    if (terminal) process.stderr.write('\n');
    const lines = summary.entities.map(
      (e) =>
        `${e.entity}${e.resumed ? ' (resumed)' : ''}${e.full ? ' (full)' : ''}: ${e.received} received, ${e.inserted} inserted, ${e.updated} updated, ${e.unchanged} unchanged, ${e.rejected} rejected, ${e.deleted} deleted; ${e.pages} pages, ${e.requests} requests, ${e.retries} retries; cursor ${e.cursor_before ?? 'none'} → ${e.cursor_after ?? 'none'}`,
    );
    return { text: [`sync ${summary.sync_run_id} of tenant ${summary.tenant_id} (${summary.psa})`, ...lines].join('\n'), json: summary };
  },
};
