import { migrate } from '../../db/migrate.js';
import type { CliCommand } from '../command.js';
import { withDatabase } from '../with-database.js';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  usage: 'migrate',
  summary: 'apply pending migrations (idempotent, safe from two replicas at once)',
  async run() {
    const report = await withDatabase((db) => migrate(db), { migrate: false });
    const text = report.applied.length
      ? `applied: ${report.applied.join(', ')}`
      : `nothing to apply (${report.alreadyApplied.length} already applied)`;
    return { text, json: { applied: report.applied, already_applied: report.alreadyApplied } };
  },
};
