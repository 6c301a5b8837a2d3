import type { CliCommand } from '../command.js';
import { apiKeyCommand } from './api-key.js';
import { migrateCommand } from './migrate.js';
import { seedMockCommand } from './seed-mock.js';
import { tenantCommand } from './tenant.js';

export const commands: CliCommand[] = [migrateCommand, seedMockCommand, tenantCommand, apiKeyCommand];
