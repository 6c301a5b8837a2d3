/** The shape of GET /v1/sync-status: TypeBox schemas, types by `Static<>`. */
import { Type } from 'typebox';

export const SyncStatusSchema = Type.Object({
  psa: Type.Union([Type.String(), Type.Null()], { description: 'connected PSA; null when the data is pushed' }),
  last_sync_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_sync_status: Type.Union([Type.String(), Type.Null()], { description: 'running, succeeded, failed or credentials_refused' }),
  last_sync_error: Type.Union([Type.String(), Type.Null()]),
});
