import type { Queryable } from '../db/database.js';

/**
 * SQL for the whole of a tenant's data (offboarding). The tables are read from the catalog — every
 * table of the schema with a `tenant_id` column — rather than from a hand-kept list, so a table added
 * by a later migration is covered without touching this file. Table names enter the SQL text only as
 * identifiers quoted by PostgreSQL itself (quote_ident of a catalog name); values are parameters.
 */

export interface TenantTable {
  /** The catalog name. */
  name: string;
  /** quote_ident(name): safe to place in SQL text. */
  quoted: string;
}

/**
 * Every table of the current schema with a tenant_id column (partitions excluded: their parent
 * covers them), ordered so that a table comes before every table it references by foreign key:
 * rows are removed children first, so each count is the table's own rows, not a cascade's.
 */
export async function tenantTables(db: Queryable): Promise<TenantTable[]> {
  const { rows: tables } = await db.query<{ oid: number; name: string; quoted: string }>(
    `SELECT c.oid::int8 AS oid, c.relname AS name, quote_ident(c.relname) AS quoted
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname = current_schema()
      ORDER BY c.relname`,
  );
  const { rows: references } = await db.query<{ child: number; parent: number }>(
    `SELECT conrelid::int8 AS child, confrelid::int8 AS parent FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid`,
  );
  // Depth-first: a table is emitted after every table that references it.
  const referencedBy = new Map<number, number[]>();
  for (const { child, parent } of references) referencedBy.set(parent, [...(referencedBy.get(parent) ?? []), child]);
  const byOid = new Map(tables.map((table) => [table.oid, table]));
  const ordered: TenantTable[] = [];
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (oid: number): void => {
    if (state.get(oid)) return; // done, or a reference cycle (then the cascade settles it)
    state.set(oid, 'visiting');
    for (const child of referencedBy.get(oid) ?? []) visit(child);
    state.set(oid, 'done');
    const table = byOid.get(oid);
    if (table) ordered.push({ name: table.name, quoted: table.quoted });
  };
  for (const table of tables) visit(table.oid);
  return ordered;
}

/** Locks the tenant's row until the transaction ends: inserts referencing it wait, then fail once it is gone. */
export async function lockTenant(tx: Queryable, tenantId: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT id FROM tenants WHERE id = $1 FOR UPDATE', [tenantId]);
  return rows.length > 0;
}

export async function deleteTenantRows(tx: Queryable, table: TenantTable, tenantId: string): Promise<number> {
  const { rowCount } = await tx.query(`DELETE FROM ${table.quoted} WHERE tenant_id = $1`, [tenantId]);
  return rowCount;
}

export async function countTenantRows(db: Queryable, table: TenantTable, tenantId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${table.quoted} WHERE tenant_id = $1`, [tenantId]);
  return rows[0]?.n ?? 0;
}

export async function deleteTenantRow(tx: Queryable, tenantId: string): Promise<number> {
  const { rowCount } = await tx.query('DELETE FROM tenants WHERE id = $1', [tenantId]);
  return rowCount;
}
