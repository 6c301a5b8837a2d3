import type { ColumnSource, SchemaElement } from 'hyparquet-writer';
import type { ColumnSpec, ColumnType } from './columns.js';

/**
 * Explicit Parquet types (never inferred: inference fails on an empty table and can type a measure
 * that happens to hold whole numbers as an integer):
 * - text → BYTE_ARRAY, UTF8 / STRING
 * - int32 → INT32
 * - double → DOUBLE (KPI values and measures; DOUBLE rather than DECIMAL, which Power BI and
 *   every other reader load without a fixed-length byte schema)
 * - boolean → BOOLEAN
 * - date → INT32, DATE (days since 1970-01-01)
 * - timestamp → INT64, TIMESTAMP_MILLIS, adjusted to UTC
 */
const ELEMENT_OF: Record<ColumnType, Omit<SchemaElement, 'name' | 'repetition_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  int32: { type: 'INT32' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
  date: { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
  timestamp: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  },
};

export function parquetSchema(columns: readonly ColumnSpec[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((column): SchemaElement => ({
      name: column.name,
      ...ELEMENT_OF[column.type],
      repetition_type: column.nullable ? 'OPTIONAL' : 'REQUIRED',
    })),
  ];
}

/**
 * Per-column writer options. Min/max statistics of text columns are skipped: comparing strings is
 * the most expensive part of them and readers (Power BI included) do not prune on text bounds.
 */
export function parquetColumns(columns: readonly ColumnSpec[]): Omit<ColumnSource, 'data'>[] {
  return columns.map((column) => ({
    name: column.name,
    nullable: column.nullable,
    statistics: column.type !== 'string',
  }));
}
