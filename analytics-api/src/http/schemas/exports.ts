/** The shapes of POST /internal/exports/generate: TypeBox schemas, types by `Static<>`. */
import { Type } from 'typebox';

const ExportFileSchema = Type.Object({
  name: Type.String({ description: 'file path inside the generation folder, e.g. dim_client.parquet or fact_tickets/2026-01.parquet' }),
  format: Type.Union([Type.Literal('csv'), Type.Literal('parquet')]),
  rows: Type.Integer({ description: 'data rows (the CSV header is not counted)' }),
  bytes: Type.Integer(),
  sha256: Type.String({ description: 'hex SHA-256 of the file, as in manifest.json' }),
  month: Type.Optional(Type.String({ description: 'fact tables (one file per month): the month the file holds, YYYY-MM' })),
  generation: Type.Optional(
    Type.String({ description: 'fact tables: the generation that wrote the file (an older one when its month did not change)' }),
  ),
});

const TenantExportSchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  path: Type.String({ description: 'the stable folder Power BI points at: <EXPORTS_PATH>/<tenant_id>/current' }),
  generation: Type.String({ description: 'id of the generation just made current' }),
  generation_path: Type.String({ description: 'where that generation is stored: <EXPORTS_PATH>/<tenant_id>/generations/<generation>' }),
  generated_at: Type.String({ format: 'date-time' }),
  data_as_of: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'latest change to the tenant data (a record changed or an ingestion run succeeded)',
  }),
  files: Type.Array(ExportFileSchema, {
    description: 'every file written (manifest.json aside): CSV and Parquet per table, unless format chose one',
  }),
  pruned: Type.Array(Type.String(), { description: 'older generations removed to keep EXPORTS_KEEP' }),
});

export const ExportResultSchema = Type.Object({
  generated_at: Type.String({ format: 'date-time' }),
  exports: Type.Array(TenantExportSchema),
});

export const ExportQuery = Type.Object({
  tenant_id: Type.Optional(Type.String({ format: 'uuid', description: 'one tenant; omit for every active tenant' })),
  format: Type.Optional(
    Type.Union([Type.Literal('both'), Type.Literal('csv'), Type.Literal('parquet')], {
      description: 'which files each table gets: both (default), or only csv or only parquet',
    }),
  ),
  full: Type.Optional(
    Type.Boolean({ description: 'true: rewrite every month of the fact tables (default: only the months whose data changed)' }),
  ),
});
