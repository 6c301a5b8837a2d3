/** The shapes of /health and /ready: TypeBox schemas, types by `Static<>`. */
import { Type } from 'typebox';

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('disabled')]),
  detail: Type.String(),
});
const ReplicaCheck = Type.Object({
  status: Check.properties.status,
  detail: Type.String(),
  replay_lsn: Type.Optional(Type.String({ description: "the standby's pg_last_wal_replay_lsn()" })),
  lag_bytes: Type.Optional(Type.Integer({ description: 'WAL bytes written on the primary and not yet replayed by the standby' })),
  lag_seconds: Type.Optional(
    Type.Number({ description: 'age of the last replayed transaction while WAL waits to be replayed; 0 when caught up' }),
  ),
});
export const HealthBody = Type.Object(
  {
    status: Type.Literal('ok'),
    ready: Type.Boolean(),
    version: Type.String(),
    database_backend: Type.String(),
    mock_mode: Type.Boolean(),
    uptime_seconds: Type.Number(),
    checks: Type.Object({ database: Check, migrations: Check, mock_data: Check, exports: Check, redis: Check, read_replica: ReplicaCheck }),
  },
  { additionalProperties: true },
);
