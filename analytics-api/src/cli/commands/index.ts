import type { CliCommand } from '../command.js';
import { apiKeyCommand } from './api-key.js';
import { connectionCommand } from './connection.js';
import { exportCommand } from './export.js';
import { migrateCommand } from './migrate.js';
import { mockDataCommand } from './mock-data.js';
import { seedMockCommand } from './seed-mock.js';
import { syncCommand } from './sync.js';
import { tenantCommand } from './tenant.js';
import { verifyCommand } from './verify.js';

export const commands: CliCommand[] = [
  migrateCommand,
  seedMockCommand,
  tenantCommand,
  apiKeyCommand,
  exportCommand,
  verifyCommand,
  mockDataCommand,
  connectionCommand,
  syncCommand,
];
