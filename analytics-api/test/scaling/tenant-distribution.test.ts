import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { FOREIGN_KEYS_SQL, TABLES_SQL, UNIQUE_KEYS_SQL } from './distribution-keys.sql.js';

/**
 * The schema stays distributable by tenant (docs/scaling.md): on every tenant-owned table, tenant_id
 * is the first column of the primary key, of every unique index and of every foreign key — the rules
 * Citus imposes on a table distributed by tenant_id. Read from the catalog of the migrated database,
 * so a table added later is checked without being named here.
 */

/** Tables that are not tenant-owned, and why. Under Citus they stay local or become reference tables. */
const NOT_TENANT_OWNED: Record<string, string> = {
  tenants: 'the tenant list itself: a reference table (copied to every node), the target of the tenant_id keys',
  schema_migrations: 'bookkeeping of the migration runner: one row per migration file, no tenant',
};

/**
 * Tenant-owned tables without a foreign key to tenants, and why. Every other one must have it, so
 * no row outlives or precedes its tenant.
 */
const WITHOUT_TENANT_KEY: Record<string, string> = {
  kpi_daily_staging: 'UNLOGGED scratch rows of one range computation, removed by it or by the next one within the hour',
  kpi_daily_breakdown_staging: 'UNLOGGED scratch rows of one range computation, removed by it or by the next one within the hour',
};

interface TableRow {
  table_name: string;
  has_tenant_id: boolean;
}
interface UniqueKeyRow {
  table_name: string;
  index_name: string;
  is_primary: boolean;
  columns: (string | null)[];
}
interface ForeignKeyRow {
  table_name: string;
  constraint_name: string;
  referenced_table: string;
  columns: string[];
  referenced_columns: string[];
}

function uniqueViolations(keys: UniqueKeyRow[], tenantOwned: Set<string>): string[] {
  return keys
    .filter((key) => tenantOwned.has(key.table_name) && key.columns[0] !== 'tenant_id')
    .map((key) => `${key.table_name}.${key.index_name} (${key.columns.join(', ')})`);
}

function foreignKeyViolations(keys: ForeignKeyRow[], tenantOwned: Set<string>): string[] {
  return keys
    .filter((key) => tenantOwned.has(key.table_name))
    .filter((key) => {
      if (key.columns[0] !== 'tenant_id') return true;
      // To the tenant list: tenant_id → tenants(id). To another tenant-owned table: its tenant_id first too.
      if (key.referenced_table === 'tenants') return key.columns.length !== 1 || key.referenced_columns[0] !== 'id';
      return key.referenced_columns[0] !== 'tenant_id';
    })
    .map(
      (key) =>
        `${key.table_name}.${key.constraint_name} (${key.columns.join(', ')}) → ${key.referenced_table} (${key.referenced_columns.join(', ')})`,
    );
}

describe('the schema can be distributed by tenant', () => {
  let database: TestDatabase;
  let tables: TableRow[];
  let uniqueKeys: UniqueKeyRow[];
  let foreignKeys: ForeignKeyRow[];
  let tenantOwned: Set<string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    tables = (await database.db.query<TableRow>(TABLES_SQL)).rows;
    uniqueKeys = (await database.db.query<UniqueKeyRow>(UNIQUE_KEYS_SQL)).rows;
    foreignKeys = (await database.db.query<ForeignKeyRow>(FOREIGN_KEYS_SQL)).rows;
    tenantOwned = new Set(tables.map((table) => table.table_name).filter((name) => !(name in NOT_TENANT_OWNED)));
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('reads the catalog of the migrated schema (the checks below have something to check)', () => {
    expect(tenantOwned).toContain('raw_tickets');
    expect(tenantOwned).toContain('kpi_daily_breakdown');
    expect(uniqueKeys.length).toBeGreaterThan(10);
    expect(foreignKeys.length).toBeGreaterThan(10);
    // The exemption lists name tables that exist: a renamed table cannot leave a stale excuse behind.
    for (const name of [...Object.keys(NOT_TENANT_OWNED), ...Object.keys(WITHOUT_TENANT_KEY)]) {
      expect(tables.map((table) => table.table_name)).toContain(name);
    }
  });

  it('every tenant-owned table has a tenant_id column', () => {
    const without = tables.filter((table) => tenantOwned.has(table.table_name) && !table.has_tenant_id).map((table) => table.table_name);
    expect(without).toEqual([]);
  });

  it('tenant_id leads the primary key and every unique index of a tenant-owned table', () => {
    expect(uniqueViolations(uniqueKeys, tenantOwned)).toEqual([]);
  });

  it('tenant_id leads every foreign key of a tenant-owned table, on both sides', () => {
    expect(foreignKeyViolations(foreignKeys, tenantOwned)).toEqual([]);
  });

  it('every tenant-owned table but the listed scratch tables references tenants (kpi_daily_breakdown included, restored by 010)', () => {
    const referencing = new Set(foreignKeys.filter((key) => key.referenced_table === 'tenants').map((key) => key.table_name));
    const missing = [...tenantOwned].filter((name) => !referencing.has(name) && !(name in WITHOUT_TENANT_KEY));
    expect(missing).toEqual([]);
    expect(referencing).toContain('kpi_daily_breakdown');
  });

  it('a tenant-owned table whose keys do not lead with tenant_id is caught (the checks can fail)', async () => {
    await database.db.execScript(`
      CREATE TABLE scaling_probe (tenant_id uuid NOT NULL REFERENCES tenants (id), id text NOT NULL, PRIMARY KEY (id, tenant_id));
      CREATE UNIQUE INDEX scaling_probe_id_idx ON scaling_probe (id);
      CREATE TABLE scaling_probe_child (tenant_id uuid NOT NULL, probe_id text NOT NULL,
        FOREIGN KEY (probe_id, tenant_id) REFERENCES scaling_probe (id, tenant_id))`);
    try {
      const owned = new Set([...tenantOwned, 'scaling_probe', 'scaling_probe_child']);
      const keys = (await database.db.query<UniqueKeyRow>(UNIQUE_KEYS_SQL)).rows;
      expect(uniqueViolations(keys, owned)).toEqual([
        'scaling_probe.scaling_probe_id_idx (id)',
        'scaling_probe.scaling_probe_pkey (id, tenant_id)',
      ]);
      const references = (await database.db.query<ForeignKeyRow>(FOREIGN_KEYS_SQL)).rows;
      expect(foreignKeyViolations(references, owned)).toEqual([
        'scaling_probe_child.scaling_probe_child_probe_id_tenant_id_fkey (probe_id, tenant_id) → scaling_probe (id, tenant_id)',
      ]);
    } finally {
      await database.db.execScript('DROP TABLE scaling_probe_child; DROP TABLE scaling_probe');
    }
  });
});
