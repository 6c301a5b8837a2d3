/**
 * Writes a whole mock data folder:
 *
 *   <out>/tenants.json                        the tenants (read by `seed-mock`)
 *   <out>/<tenant_id>/tickets.json            tickets in the tenant's PSA shape
 *   <out>/<tenant_id>/time_entries.json       time entries in the tenant's PSA shape
 *   <out>/manifest.json                       how it was generated, counts, sha256, and which
 *                                             records are broken (or odd) on purpose
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entity } from '../ingest/canonical.js';
import type { GenerateOptions, GeneratedRecord, ResolvedOptions } from './generate.js';
import { generateTenantData, resolveOptions } from './generate.js';
import { writeJsonArrayFile } from './json-array-writer.js';
import type { MockTenant, TenantProfile } from './tenants.js';
import { MOCK_TENANT_PROFILES, profileOf } from './tenants.js';

export interface WriteMockDataOptions extends GenerateOptions {
  outDir: string;
  /** Only these tenants (ids from MOCK_TENANT_PROFILES); default all. */
  tenantIds?: readonly string[];
  /** Called after each file, e.g. to print progress on long runs. */
  onFileWritten?: (file: string, summary: MockFileSummary) => void;
}

export interface MarkedRecord {
  /** 0-based position of the record in its file. */
  index: number;
  kind: string;
}

export interface MockFileSummary {
  /** Relative to the output folder, `<tenant_id>/<entity>.json`. */
  file: string;
  records: number;
  bytes: number;
  sha256: string;
  /** Records broken on purpose: ingestion must reject exactly these. */
  rejects: MarkedRecord[];
  /** Valid records that are odd on purpose: ingestion must accept them with a warning. */
  warnings: MarkedRecord[];
}

export interface MockDataManifest {
  generator: string;
  options: ResolvedOptions;
  tenants: { tenant: MockTenant; tickets: MockFileSummary; time_entries: MockFileSummary }[];
}

export function selectProfiles(tenantIds?: readonly string[]): TenantProfile[] {
  if (!tenantIds || tenantIds.length === 0) return [...MOCK_TENANT_PROFILES];
  return tenantIds.map((id) => {
    const profile = profileOf(id);
    if (!profile) {
      throw new Error(`unknown mock tenant ${id}; known: ${MOCK_TENANT_PROFILES.map((p) => p.tenant.id).join(', ')}`);
    }
    return profile;
  });
}

async function writeEntity(outDir: string, tenantId: string, entity: Entity, records: Iterable<GeneratedRecord>): Promise<MockFileSummary> {
  const file = `${tenantId}/${entity}.json`;
  const rejects: MarkedRecord[] = [];
  const warnings: MarkedRecord[] = [];
  function* plain() {
    let index = 0;
    for (const generated of records) {
      if (generated.defect) rejects.push({ index, kind: generated.defect });
      if (generated.expectedWarning) warnings.push({ index, kind: generated.expectedWarning });
      index += 1;
      yield generated.record;
    }
  }
  const written = await writeJsonArrayFile(join(outDir, file), plain());
  return { file, ...written, rejects, warnings };
}

export async function writeMockData(options: WriteMockDataOptions): Promise<MockDataManifest> {
  const resolved = resolveOptions(options);
  const profiles = selectProfiles(options.tenantIds);
  await mkdir(options.outDir, { recursive: true });
  const manifest: MockDataManifest = { generator: 'analytics-api/src/mockgen', options: resolved, tenants: [] };
  for (const profile of profiles) {
    const tenantId = profile.tenant.id;
    await mkdir(join(options.outDir, tenantId), { recursive: true });
    const data = generateTenantData(profile, resolved);
    const tickets = await writeEntity(options.outDir, tenantId, 'tickets', data.tickets);
    options.onFileWritten?.(tickets.file, tickets);
    const timeEntries = await writeEntity(options.outDir, tenantId, 'time_entries', data.time_entries);
    options.onFileWritten?.(timeEntries.file, timeEntries);
    // Canonical files are ingested as canonical: the tenant's source says how to read its files.
    const tenant: MockTenant = resolved.format === 'canonical' ? { ...profile.tenant, source: 'canonical' } : profile.tenant;
    manifest.tenants.push({ tenant, tickets, time_entries: timeEntries });
  }
  const tenants = manifest.tenants.map((t) => t.tenant);
  await writeFile(join(options.outDir, 'tenants.json'), `${JSON.stringify(tenants, null, 2)}\n`);
  await writeFile(join(options.outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
