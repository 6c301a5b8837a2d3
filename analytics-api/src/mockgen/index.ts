/**
 * Deterministic mock PSA data: three MSPs (ConnectWise, Autotask, HaloPSA) with two months of
 * tickets and time entries in each PSA's native JSON shape. See mock-data/README.md for what is in
 * the data and which quirks it reproduces.
 *
 * Regenerate the committed set (analytics-api/mock-data), from the repository root:
 *
 *   npm run cli -- mock-data generate                       # through the service CLI (after a build)
 *   node analytics-api/dist/cli.js mock-data generate       # the same, without npm
 *   node --import tsx analytics-api/src/mockgen/main.ts generate   # straight from source, no build
 *
 * The output is byte-for-byte identical on every run and machine (test/ingest/mockgen-determinism
 * checks the committed files' sha256). Benchmark sets go elsewhere, streamed in bounded memory:
 *
 *   node analytics-api/dist/cli.js mock-data generate --out /tmp/bench --tickets 1000000 [--format canonical]
 *
 * Function API: `generateTenantData(profile, options)` returns lazy iterables of records;
 * `writeMockData({ outDir, ...options })` writes a whole folder.
 */
export type { GenerateOptions, GeneratedRecord, OutputFormat, ResolvedOptions, TenantRecords } from './generate.js';
export { DEFAULT_OPTIONS, DEFECT_RATE, generateTenantData, resolveOptions } from './generate.js';
export type { MarkedRecord, MockDataManifest, MockFileSummary, WriteMockDataOptions } from './write-mock-data.js';
export { selectProfiles, writeMockData } from './write-mock-data.js';
export type { MockTenant, TenantProfile } from './tenants.js';
export { MOCK_TENANT_PROFILES, profileOf } from './tenants.js';
export { writeJsonArrayFile } from './json-array-writer.js';
