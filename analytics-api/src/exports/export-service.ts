import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Database, Queryable, Session } from '../db/database.js';
import { scopeOf } from '../db/scope.js';
import { exportSnapshot } from '../db/snapshot.js';
import { getTenant, listTenants, type Tenant } from '../tenants/tenant-service.js';
import { invalid, notFound } from '../errors.js';
import { withTenantExportLock, type ExportQueue } from './export-lock.js';
import { asExportsUnavailable } from './fs-errors.js';
import {
  createStaging,
  currentGeneration,
  discardStaging,
  ensureExportsRoot,
  newGenerationId,
  prune,
  publish,
  tenantLayout,
  type TenantLayout,
} from './generations.js';
import { HashedFile } from './hashed-file.js';
import { writeFactMonths, type PreviousFile, type PreviousGeneration } from './fact-months.js';
import { buildManifest, MANIFEST_NAME, MANIFEST_VERSION } from './manifest.js';
import { readMonthState, saveMonthState, type MonthState } from './month-state.js';
import { TABLE_STAGES, type TableContext } from './tables.js';
import { writeTable, type FileFormat, type WrittenFile, type WrittenTable } from './table-writer.js';

export interface ExportFile {
  name: string;
  format: 'csv' | 'parquet';
  rows: number;
  bytes: number;
  sha256: string;
  /** Fact tables: the month the file holds (`YYYY-MM`) and the generation that wrote it. */
  month?: string;
  generation?: string;
}

export interface TenantExport {
  tenant_id: string;
  /** The stable folder Power BI points at: `<EXPORTS_PATH>/<tenant_id>/current`. */
  path: string;
  generation: string;
  generation_path: string;
  generated_at: string;
  data_as_of: string | null;
  files: ExportFile[];
  /** Older generations removed by retention (EXPORTS_KEEP). */
  pruned: string[];
}

export interface ExportResult {
  generated_at: string;
  exports: TenantExport[];
}

/** Test seams: called after each file is complete in the staging folder (a throw aborts the export). */
export interface ExportHooks {
  afterFile?(file: { tenant_id: string; name: string; staging: string }): void | Promise<void>;
}

/** Which files each table gets: both (the default, what docs/power-bi.md describes), or one format. */
export type ExportFormat = 'both' | FileFormat;
export const EXPORT_FORMATS: readonly ExportFormat[] = ['both', 'csv', 'parquet'];
const FILE_FORMATS: Record<ExportFormat, readonly FileFormat[]> = { both: ['csv', 'parquet'], csv: ['csv'], parquet: ['parquet'] };

export interface ExportOptions {
  /** The application's export queue (AppContext.exportQueue): one export of a tenant at a time. */
  queue: ExportQueue;
  /** One tenant (any state); without it every active tenant. */
  tenantId?: string;
  /** Default 'both'. */
  format?: ExportFormat;
  /**
   * Recompute every month of the fact tables and rewrite them all, instead of reading only the months
   * that changed and carrying the unchanged ones over (month-state.ts, fact-months.ts).
   */
  full?: boolean;
  /**
   * The primary (DATABASE_URL), when `db` is a read replica: the export takes the tenant's export
   * lock there, and saves its month state there once published; default `db`.
   */
  primary?: Database;
  hooks?: ExportHooks;
}

type ExportConfig = Pick<Config, 'exportsPath' | 'exportsKeep'>;

interface Freshness {
  last_sync: Date | null;
  kpis_computed_at: Date | null;
}

/**
 * The end of the tenant's last successful ingestion run (a sync that found nothing new still makes
 * the data current as of its end) and of its last KPI computation: two index-backed reads. The
 * other part of `data_as_of`, the latest change among the records, is read from the fact rows as they
 * are written (TableSpec.changedAt) rather than by scanning the tenant's history once more.
 */
async function freshness(db: Queryable, tenantId: string): Promise<Freshness> {
  const { rows } = await db.query<Freshness>(
    `SELECT (SELECT max(finished_at) FROM ingestion_runs WHERE tenant_id = $1::uuid AND status = 'succeeded') AS last_sync,
            (SELECT max(computed_at) FROM kpi_daily WHERE tenant_id = $1::uuid) AS kpis_computed_at`,
    [tenantId],
  );
  return rows[0] ?? { last_sync: null, kpis_computed_at: null };
}

/** The newest of the instants (ms since the epoch or Dates), null when none is known. */
function latest(instants: readonly (number | Date | null)[]): Date | null {
  const known = instants.filter((instant) => instant !== null).map(Number);
  return known.length === 0 ? null : new Date(Math.max(...known));
}

/**
 * Writes the tables of TABLE_STAGES into `staging`. A stage starts once every table of the stage
 * before it is being read: a table streamed by COPY as soon as its statement runs (writeTable's
 * onReading), any other once written. Each statement thus reads a snapshot at least as new as those
 * of the tables before it, so the dimensions, last, hold every key the facts and the KPI tables
 * reference (see TABLE_STAGES for the one exception); and on PostgreSQL the KPI tables and the dimensions are read while the last fact table
 * streams. `afterTable` runs as each table is complete (a throw fails the export). Returns the tables
 * in TABLE_STAGES order; on a failure, stops starting tables, waits for those already started (the
 * staging folder is discarded only once nothing writes into it), then throws the first failure.
 */
async function writeTables(
  db: Database,
  ctx: TableContext,
  staging: string,
  formats: readonly FileFormat[],
  months: { generation: string; previous: PreviousGeneration | null },
  afterTable: (written: WrittenTable) => Promise<void>,
): Promise<WrittenTable[]> {
  const started: Promise<WrittenTable>[] = [];
  let failed = false;
  for (const stage of TABLE_STAGES) {
    const reading = stage.map((table) => {
      let signal!: () => void;
      const isReading = new Promise<void>((resolve) => (signal = resolve));
      const writing = table.months
        ? writeFactMonths({ db, table, ctx, staging, formats, ...months, onReading: signal })
        : writeTable(db, table, ctx, staging, formats, signal);
      const written = writing.then(async (result) => {
        await afterTable(result);
        return result;
      });
      written.then(signal, () => {
        failed = true;
        signal();
      });
      started.push(written);
      return isReading;
    });
    await Promise.all(reading);
    if (failed) break;
  }
  const outcomes = await Promise.allSettled(started);
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<WrittenTable>).value);
}

/**
 * The generation `current` points at, with its files as its manifest lists them; null when there is
 * none, or its manifest is unreadable or of another version (everything is then written).
 */
async function previousGeneration(layout: TenantLayout, tenantId: string): Promise<PreviousGeneration | null> {
  const generation = await currentGeneration(layout);
  if (!generation) return null;
  const dir = join(layout.generationsDir, generation);
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8')) as {
      manifest_version?: number;
      tenant_id?: string;
      files?: PreviousFile[];
    };
    if (manifest.manifest_version !== MANIFEST_VERSION || manifest.tenant_id !== tenantId || !Array.isArray(manifest.files)) return null;
    return { dir, files: new Map(manifest.files.map((file) => [file.name, file])) };
  } catch {
    return null;
  }
}

/** `db` whose streamed reads (cursors, COPY) all import `snapshot`. */
function readingSnapshot(db: Database, snapshot: string): Database {
  const copyCsv = db.copyCsv;
  return Object.assign(Object.create(db) as Database, {
    cursor: <Row>(text: string, params: readonly unknown[], batchSize?: number) => db.cursor<Row>(text, params, batchSize, { snapshot }),
    copyCsv: copyCsv && ((text: string, params: readonly unknown[]) => copyCsv(text, params, { snapshot })),
  });
}

/**
 * One export of a tenant, holding its export lock (export-lock.ts): a second export of the tenant,
 * from this process or another replica, starts once this one is published, from the data as it is
 * then. On PostgreSQL every table of the generation reads one snapshot: the lock's session (or, when
 * reading the replica, a session there) opens a
 * REPEATABLE READ transaction and exports its snapshot, every cursor and COPY imports it (and the
 * small queries — freshness, table parameters — run in that transaction), so the dimensions hold
 * every key the facts reference whatever is ingested meanwhile. On PGlite (one connection) the tables
 * are read one after another, each in its own transaction: a write landing between two tables shows
 * only in the later ones, which the stage order (facts first, dimensions last) keeps harmless.
 */
interface TenantExportOptions {
  queue: ExportQueue;
  formats: readonly FileFormat[];
  full: boolean;
  primary: Database;
  hooks: ExportHooks | undefined;
}

function exportTenant(db: Database, config: ExportConfig, tenant: Tenant, options: TenantExportOptions): Promise<TenantExport> {
  // The lock is always the primary's, also when the data is read from the replica: advisory locks
  // are not replicated, and an export reading the primary (a lagging replica, another API replica
  // without one) or an offboarding must wait for this export as for any other.
  return withTenantExportLock(options.primary, options.queue, tenant.id, async (lockSession) => {
    if (!lockSession) return exportTenantFrom(db, db, false, config, tenant, options);
    if (scopeOf(db) === scopeOf(options.primary)) return exportFromSnapshot(db, lockSession, config, tenant, options);
    return db.withSession((readSession) => exportFromSnapshot(db, readSession, config, tenant, options));
  });
}

/**
 * work_mem of the export's own transaction, where the month state is computed (one GROUPING SETS
 * pass over the tenant's records on a full export): with the default 4 MB it sorted on disk, 2.7 s
 * for a million tickets against 1.7 s hashed in 8 MB (docs/benchmarks.md). A ceiling, not an
 * allocation: a small tenant uses what it needs.
 */
const SNAPSHOT_WORK_MEM = '64MB';

/** Exports from one snapshot, opened on `session` (a session of `db`). */
async function exportFromSnapshot(
  db: Database,
  session: Session,
  config: ExportConfig,
  tenant: Tenant,
  options: TenantExportOptions,
): Promise<TenantExport> {
  const snapshot = await exportSnapshot(session);
  try {
    await session.query(`SELECT set_config('work_mem', $1, true)`, [SNAPSHOT_WORK_MEM]);
    return await exportTenantFrom(readingSnapshot(db, snapshot.id), session, true, config, tenant, options);
  } finally {
    await snapshot.end().catch(() => undefined);
  }
}

async function exportTenantFrom(
  db: Database,
  small: Queryable,
  oneSnapshot: boolean,
  config: ExportConfig,
  tenant: Tenant,
  { formats, full, primary, hooks }: TenantExportOptions,
): Promise<TenantExport> {
  // The tenant may have been offboarded while this export waited for the lock.
  if ((await small.query('SELECT 1 FROM tenants WHERE id = $1', [tenant.id])).rows.length === 0)
    throw notFound(`tenant ${tenant.id} does not exist`);
  const generatedAt = new Date();
  const generation = newGenerationId(generatedAt);
  const layout = tenantLayout(config.exportsPath, tenant.id);

  // Read before anything is pruned; under the lock, so no other export moves `current` meanwhile.
  const previous = full ? null : await previousGeneration(layout, tenant.id);
  const staging = await createStaging(layout, generation);
  let generationPath: string;
  let files: WrittenFile[];
  let dataAsOf: Date | null;
  let monthState: MonthState;
  try {
    // Started first, so that what it reports is never newer than the files' contents.
    const pendingFreshness = freshness(small, tenant.id);
    pendingFreshness.catch(() => undefined); // awaited below; a table failing first must not leave it unhandled
    monthState = await readMonthState(small, tenant, full);
    const ctx = { db: small, tenantId: tenant.id, timezone: tenant.timezone, months: monthState, oneSnapshot };
    const tables = await writeTables(db, ctx, staging, formats, { generation, previous }, async (written) => {
      for (const file of written.files) await hooks?.afterFile?.({ tenant_id: tenant.id, name: file.name, staging });
    });
    files = tables.flatMap((table) => table.files);
    const fresh = await pendingFreshness;
    dataAsOf = latest([...tables.map((table) => table.latestChange), fresh.last_sync]);
    const manifest = buildManifest({
      tenant,
      generation,
      generatedAt,
      dataAsOf,
      kpisComputedAt: fresh.kpis_computed_at,
      files,
    });
    const manifestFile = await HashedFile.create(join(staging, MANIFEST_NAME));
    try {
      await manifestFile.write(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
      await manifestFile.close();
    } finally {
      await manifestFile.abort();
    }
    await hooks?.afterFile?.({ tenant_id: tenant.id, name: MANIFEST_NAME, staging });
    generationPath = await publish(layout, staging, generation);
  } catch (error) {
    await discardStaging(staging);
    throw error;
  }
  // Only now: the months it saves are those of a published generation. Refused (false) when another
  // export saved since this one's snapshot; the log rows then stay for the next export.
  await saveMonthState(primary, monthState);
  const pruned = await prune(layout, config.exportsKeep);

  return {
    tenant_id: tenant.id,
    path: layout.currentPath,
    generation,
    generation_path: generationPath,
    generated_at: generatedAt.toISOString(),
    data_as_of: dataAsOf?.toISOString() ?? null,
    files: files.map(({ name, format, rows, bytes, sha256, month, generation: writtenBy }) => ({
      name,
      format,
      rows,
      bytes,
      sha256,
      ...(month === undefined ? {} : { month, generation: writtenBy }),
    })),
    pruned,
  };
}

/**
 * Writes the Power BI exports of one tenant (options.tenantId) or of every active tenant, each as a
 * new generation made current atomically (see generations.ts). Fails with
 * - invalid / not_found for a malformed or unknown tenant id, invalid for an unknown format,
 * - unavailable (503) when EXPORTS_PATH is missing and cannot be created, is not a folder, or a
 *   write fails (the detail names the path and the errno); the previous export stays current.
 */
export async function generateExports(db: Database, config: ExportConfig, options: ExportOptions): Promise<ExportResult> {
  const startedAt = new Date();
  const format = options.format ?? 'both';
  if (!EXPORT_FORMATS.includes(format)) {
    throw invalid(`format must be one of ${EXPORT_FORMATS.join(', ')}`, [{ field: 'format', detail: 'unknown format' }]);
  }
  const tenants =
    options.tenantId === undefined ? (await listTenants(db)).filter((tenant) => tenant.active) : [await getTenant(db, options.tenantId)];
  try {
    await ensureExportsRoot(config.exportsPath);
    const exports: TenantExport[] = [];
    const tenantOptions = {
      queue: options.queue,
      formats: FILE_FORMATS[format],
      full: options.full ?? false,
      primary: options.primary ?? db,
      hooks: options.hooks,
    };
    for (const tenant of tenants) exports.push(await exportTenant(db, config, tenant, tenantOptions));
    return { generated_at: startedAt.toISOString(), exports };
  } catch (error) {
    throw asExportsUnavailable(error, config.exportsPath);
  }
}
