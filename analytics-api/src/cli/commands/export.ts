import { ExportQueue } from '../../exports/export-lock.js';
import { EXPORT_FORMATS, generateExports, type ExportFormat } from '../../exports/export-service.js';
import { stringOption } from '../args.js';
import { CliUsageError, type CliCommand } from '../command.js';
import { withDatabase } from '../with-database.js';

export const exportCommand: CliCommand = {
  name: 'export',
  usage: 'export [--tenant ID] [--format both|csv|parquet] [--full] [--json]',
  summary: 'write the Power BI exports (CSV + Parquet) of one tenant, or of every active tenant, under EXPORTS_PATH',
  async run(args) {
    const tenant = args.options['tenant'];
    if (tenant === true) throw new CliUsageError('export --tenant needs a tenant id');
    if (args.options['format'] === true) throw new CliUsageError('export --format needs both, csv or parquet');
    const format = stringOption(args, 'format') ?? 'both';
    if (!(EXPORT_FORMATS as readonly string[]).includes(format))
      throw new CliUsageError(`export --format must be one of ${EXPORT_FORMATS.join(', ')}`);
    if (args.options['full'] !== undefined && args.options['full'] !== true) throw new CliUsageError('export --full takes no value');
    const unknown = Object.keys(args.options).filter((name) => name !== 'tenant' && name !== 'format' && name !== 'full');
    if (unknown.length > 0 || args.positionals.length > 0) throw new CliUsageError(`usage: ${this.usage}`);

    const result = await withDatabase(
      (db, config) =>
        generateExports(db, config, {
          queue: new ExportQueue(),
          tenantId: stringOption(args, 'tenant'),
          format: format as ExportFormat,
          full: args.options['full'] === true,
        }),
      { existing: true },
    );
    const lines = result.exports.length
      ? result.exports.flatMap((item) => [
          `${item.tenant_id}: ${item.files.length} files in ${item.path} (generation ${item.generation}, data as of ${item.data_as_of ?? 'never'})`,
          ...item.files.map(
            (file) => `  ${file.name.padEnd(34)} ${String(file.rows).padStart(10)} rows ${String(file.bytes).padStart(12)} bytes`,
          ),
          ...(item.pruned.length ? [`  removed older generations: ${item.pruned.join(', ')}`] : []),
        ])
      : ['no active tenants: nothing exported'];
    return { text: lines.join('\n'), json: result };
  },
};
