/** Read-only database probing for `verify` (the psql commands of ÉTAPES 4 and 7), with the `pg` package. */
import pg from 'pg';

export interface TextTable {
  fields: string[];
  rows: string[][];
}

export interface DbProbe {
  query(sql: string, params?: unknown[]): Promise<TextTable>;
  close(): Promise<void>;
}

export interface DbFailure {
  /** SQLSTATE or errno code, e.g. 28P01, 3D000, ECONNREFUSED, ENOTFOUND. */
  code: string;
  message: string;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function dbFailureOf(error: unknown): DbFailure {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return { code: code ?? 'ERROR', message: (message ?? String(error)).split('\n')[0] ?? '' };
}

export async function openDbProbe(connectionString: string, timeoutMs = 10_000): Promise<DbProbe> {
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: timeoutMs,
    application_name: 'analytics-api verify',
    statement_timeout: 15_000,
  });
  // A connection dropped later must not crash the process: the next query reports it.
  client.on('error', () => undefined);
  await client.connect();
  return {
    async query(sql, params) {
      const result = await client.query({ text: sql, values: params, rowMode: 'array' });
      return {
        fields: result.fields.map((field) => field.name),
        rows: (result.rows as unknown[][]).map((row) => row.map(cell)),
      };
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

/** `\dt`: the tables visible on the search path, as psql lists them. */
export const LIST_TABLES_SQL = `
SELECT n.nspname AS "Schema", c.relname AS "Name",
       CASE c.relkind WHEN 'p' THEN 'partitioned table' ELSE 'table' END AS "Type",
       pg_catalog.pg_get_userbyid(c.relowner) AS "Owner"
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_toast'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1, 2`;

/** psql's aligned output: header, separator, rows, `(N rows)`. */
export function formatTable(table: TextTable, title?: string): string {
  const widths = table.fields.map((field, i) => Math.max(field.length, ...table.rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => ` ${cells.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')}`.trimEnd();
  const out: string[] = [];
  if (title) out.push(title);
  out.push(line(table.fields));
  out.push(widths.map((w) => '-'.repeat(w + 2)).join('+'));
  for (const row of table.rows) out.push(line(row));
  out.push(`(${table.rows.length} ${table.rows.length === 1 ? 'row' : 'rows'})`);
  return out.join('\n');
}
