import type { Tenant } from '../tenants/tenant-service.js';
import type { ColumnType } from './columns.js';
import { TABLES } from './tables.js';
import type { WrittenFile } from './table-writer.js';

export const MANIFEST_NAME = 'manifest.json';
/** 2: fact tables are folders of month files, each with its month, writing generation and fingerprint. */
export const MANIFEST_VERSION = 2;

/** How each column type is written in each format (documented in docs/power-bi.md too). */
const REPRESENTATION: Record<ColumnType, { csv: string; parquet: string }> = {
  string: { csv: 'text, formula-escaped', parquet: 'BYTE_ARRAY UTF8' },
  int32: { csv: 'integer', parquet: 'INT32' },
  double: { csv: 'decimal number with "."', parquet: 'DOUBLE' },
  boolean: { csv: 'true / false', parquet: 'BOOLEAN' },
  date: { csv: 'YYYY-MM-DD', parquet: 'INT32 DATE' },
  timestamp: { csv: 'YYYY-MM-DDTHH:MM:SS.sssZ (UTC)', parquet: 'INT64 TIMESTAMP_MILLIS (UTC)' },
};

export interface ManifestColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
  format: string;
}

export interface ManifestFile {
  name: string;
  table: string;
  format: 'csv' | 'parquet';
  rows: number;
  bytes: number;
  sha256: string;
  /** Fact tables: the month the file holds (`YYYY-MM`, of created_date / entry_date). */
  month?: string;
  /** Fact tables: the generation that wrote the bytes (an older one when the month did not change). */
  generation?: string;
  /** Fact tables: equal fingerprints mean equal bytes (what the next export compares). */
  fingerprint?: string;
  /** Fact tables: the latest modified_at of the file's rows, null without rows. */
  latest_change?: string | null;
  columns: ManifestColumn[];
}

export interface Manifest {
  manifest_version: number;
  tenant_id: string;
  tenant_name: string;
  timezone: string;
  generation: string;
  generated_at: string;
  data_as_of: string | null;
  kpis_computed_at: string | null;
  files: ManifestFile[];
  tables: { name: string; description: string; key: string[] }[];
}

export function buildManifest(input: {
  tenant: Tenant;
  generation: string;
  generatedAt: Date;
  dataAsOf: Date | null;
  kpisComputedAt: Date | null;
  files: WrittenFile[];
}): Manifest {
  const specs = new Map(TABLES.map((table) => [table.name, table]));
  return {
    manifest_version: MANIFEST_VERSION,
    tenant_id: input.tenant.id,
    tenant_name: input.tenant.name,
    timezone: input.tenant.timezone,
    generation: input.generation,
    generated_at: input.generatedAt.toISOString(),
    data_as_of: input.dataAsOf?.toISOString() ?? null,
    kpis_computed_at: input.kpisComputedAt?.toISOString() ?? null,
    files: input.files.map((file) => ({
      name: file.name,
      table: file.table,
      format: file.format,
      rows: file.rows,
      bytes: file.bytes,
      sha256: file.sha256,
      ...(file.month === undefined
        ? {}
        : {
            month: file.month,
            generation: file.generation,
            fingerprint: file.fingerprint,
            latest_change: file.latestChange === null || file.latestChange === undefined ? null : new Date(file.latestChange).toISOString(),
          }),
      columns: (specs.get(file.table)?.columns ?? []).map((column) => ({
        name: column.name,
        type: column.type,
        nullable: column.nullable,
        format: REPRESENTATION[column.type][file.format],
      })),
    })),
    tables: TABLES.map((table) => ({ name: table.name, description: table.description, key: [...table.key] })),
  };
}
