/** The shapes of the tenant configuration routes: TypeBox schemas, types by `Static<>`. */
import { Type } from 'typebox';
import { ConfigDocumentSchema } from '../../tenant-config/config-schema.js';

export const ConfigViewSchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  config_version: Type.Integer({ description: '0 until the configuration is first set (the defaults)' }),
  changed_by: Type.Union([Type.Literal('cli'), Type.Literal('api'), Type.Null()]),
  changed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  config: ConfigDocumentSchema,
  stale_days_count: Type.Integer({ description: 'stored KPI days still computed with an older version' }),
  stale_days: Type.Array(Type.String(), { description: 'those days, ascending (at most 400 listed)' }),
});

export const OwnConfigSchema = Type.Object({ config_version: Type.Integer(), config: ConfigDocumentSchema });
