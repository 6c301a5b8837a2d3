/** The shapes of the KPI routes (GET /v1/kpis/daily, POST /internal/kpi/compute-daily): TypeBox schemas, types by `Static<>`. */
import { Type, type TSchema } from 'typebox';
import { COUNT_KEYS, KPI_KEYS } from '../../kpi/kpi-keys.js';
import { DIMENSIONS } from '../../kpi/kpi-store.js';
import { CalendarDate, Literals, TenantId } from './common.js';

const kpiProperties: Record<string, TSchema> = {};
for (const key of KPI_KEYS) {
  kpiProperties[key] = COUNT_KEYS.has(key)
    ? Type.Integer()
    : Type.Union([Type.Number(), Type.Null()], { description: 'rounded to 2 decimals (half away from zero); null for an empty set' });
}

/** Every key of kpis.md: counts are integers, everything else a number rounded to 2 decimals or null. */
const KpisSchema = Type.Object(kpiProperties, { additionalProperties: false });

const KpiGroupSchema = Type.Object({
  key: Type.Union([Type.String(), Type.Null()], { description: 'null for records without a value ("(none)")' }),
  label: Type.String(),
  kpis: KpisSchema,
});

const KpiDaySchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  date: Type.String({ description: 'the local day, YYYY-MM-DD' }),
  timezone: Type.String({ description: 'IANA time zone the day was computed in' }),
  config_version: Type.Integer({ description: 'the tenant configuration version the day was computed with (0 = defaults)' }),
  stale: Type.Boolean({ description: 'true while the day still holds values of an older configuration (a recompute is pending)' }),
  computed_at: Type.String({ format: 'date-time' }),
  data_as_of: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'latest change or ingest time of the records the day was computed from',
  }),
  currency: Type.Union([Type.String(), Type.Null()], {
    description:
      "ISO 4217 code of billable_amount and effective_hourly_rate: the currency the tenant's time entries carry when they agree; null when unknown or mixed",
  }),
  kpis: KpisSchema,
  groups: Type.Optional(Type.Array(KpiGroupSchema, { description: 'present with group_by' })),
});

const KpiDayListSchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  items: Type.Array(KpiDaySchema, { description: 'the computed days of the range, ascending' }),
});

/** A day, or the days of a range: both KPI routes answer either. */
export const KpiAnswerSchema = Type.Union([KpiDaySchema, KpiDayListSchema]);

const GroupBy = Literals(DIMENSIONS, { description: 'adds the breakdown by this dimension' });

const PeriodQuery = {
  date: Type.Optional(CalendarDate),
  from: Type.Optional(CalendarDate),
  to: Type.Optional(CalendarDate),
};

/** tenant_id is left out, not forbidden by the schema: the route refuses it with its own message. */
export const KpiReadQuery = Type.Object({ ...PeriodQuery, group_by: Type.Optional(GroupBy) });

export const KpiComputeQuery = Type.Object({ tenant_id: TenantId, ...PeriodQuery }, { additionalProperties: false });
