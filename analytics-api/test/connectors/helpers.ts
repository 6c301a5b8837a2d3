import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Queryable } from '../../src/db/database.js';
import type { Entity, PsaSource } from '../../src/ingest/canonical.js';
import { mapRecord } from '../../src/ingest/mappers/index.js';
import { packageRoot } from '../../src/config/config.js';

// Not from helpers/test-app.js: the bench imports this file outside vitest.
const MOCK_DATA_PATH = resolve(packageRoot, 'mock-data');

/** A fixed test key (32 bytes, base64) and a second one for rotation tests. */
export const TEST_CREDENTIALS_KEY = Buffer.alloc(32, 7).toString('base64');
export const TEST_CREDENTIALS_KEY_2 = Buffer.alloc(32, 9).toString('base64');

const MOCK_TENANT: Record<PsaSource, string> = {
  connectwise: '550e8400-e29b-41d4-a716-446655440000',
  autotask: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  halopsa: '9b2d5c3e-6f1a-4e8b-9c7d-2a4f6e8b0c1d',
};

/**
 * The first `count` records of the mock data set for that PSA that map cleanly: the simulated PSA
 * serves them, so that "stored equals the PSA" can be compared record for record (the defects of
 * the mock set have their own tests in test/ingest).
 */
export function mockRecords<R = Record<string, unknown>>(psa: PsaSource, entity: Entity, count: number): R[] {
  const all = JSON.parse(readFileSync(resolve(MOCK_DATA_PATH, MOCK_TENANT[psa], `${entity}.json`), 'utf8')) as unknown[];
  const seen = new Set<string>();
  const picked: R[] = [];
  for (const raw of all) {
    const mapped = mapRecord(psa, entity, raw);
    if (!mapped.ok || mapped.warnings.length > 0 || seen.has(mapped.record.external_id)) continue;
    seen.add(mapped.record.external_id);
    picked.push(raw as R);
    if (picked.length === count) break;
  }
  return picked;
}

/** Stored, not deleted: external id → payload. */
export async function storedPayloads(db: Queryable, tenantId: string, entity: Entity): Promise<Map<string, unknown>> {
  const table = entity === 'tickets' ? 'raw_tickets' : 'raw_time_entries';
  const { rows } = await db.query<{ external_id: string; payload: unknown }>(
    `SELECT external_id, payload FROM ${table} WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY external_id`,
    [tenantId],
  );
  return new Map(rows.map((r) => [r.external_id, r.payload]));
}

export async function deletedIds(db: Queryable, tenantId: string, entity: Entity): Promise<string[]> {
  const table = entity === 'tickets' ? 'raw_tickets' : 'raw_time_entries';
  const { rows } = await db.query<{ external_id: string }>(
    `SELECT external_id FROM ${table} WHERE tenant_id = $1 AND deleted_at IS NOT NULL ORDER BY external_id`,
    [tenantId],
  );
  return rows.map((r) => r.external_id);
}
