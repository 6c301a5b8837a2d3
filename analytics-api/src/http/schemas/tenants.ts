/** The shapes of the /internal/tenants routes: TypeBox schemas, types by `Static<>`. */
import { Type } from 'typebox';

export const TenantSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  timezone: Type.String(),
  daily_capacity_hours: Type.Number(),
  source: Type.String(),
  active: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  psa: Type.Union([Type.String(), Type.Null()], { description: 'connected PSA (sync), null when the tenant pushes' }),
  last_sync_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_sync_status: Type.Union([Type.String(), Type.Null()], { description: 'succeeded, failed, credentials_refused or running' }),
  last_sync_error: Type.Union([Type.String(), Type.Null()]),
});

export const TenantDeletionSchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  deleted: Type.Boolean(),
  removed: Type.Record(Type.String(), Type.Integer(), { description: 'rows removed per table' }),
  total_rows: Type.Integer(),
  exports_removed: Type.Union([Type.String(), Type.Null()]),
});
