import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { scopeOf } from '../../auth/credential-cache.js';
import { invalid } from '../../errors.js';
import { COUNT_KEYS, KPI_KEYS } from '../../kpi/kpi-keys.js';
import { DIMENSIONS, readDaily } from '../../kpi/kpi-service.js';
import { answerKey, cachedAnswer, kpiVersion, rememberAnswer, useVersionRedis } from '../../kpi/read-cache.js';
import { readsOf, type AppContext } from '../context.js';

const DATE = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'calendar date, YYYY-MM-DD' });

const kpiProperties: Record<string, TSchema> = {};
for (const key of KPI_KEYS) {
  kpiProperties[key] = COUNT_KEYS.has(key)
    ? Type.Integer()
    : Type.Union([Type.Number(), Type.Null()], { description: 'rounded to 2 decimals (half away from zero); null for an empty set' });
}

/** Every key of kpis.md: counts are integers, everything else a number rounded to 2 decimals or null. */
export const KpisSchema = Type.Object(kpiProperties, { additionalProperties: false });

export const KpiGroupSchema = Type.Object({
  key: Type.Union([Type.String(), Type.Null()], { description: 'null for records without a value ("(none)")' }),
  label: Type.String(),
  kpis: KpisSchema,
});

export const KpiDaySchema = Type.Object({
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
    description: 'ISO 4217 code of billable_amount and effective_hourly_rate: the currency the tenant\'s time entries carry when they agree; null when unknown or mixed',
  }),
  kpis: KpisSchema,
  groups: Type.Optional(Type.Array(KpiGroupSchema, { description: 'present with group_by' })),
});

export const KpiDayListSchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  items: Type.Array(KpiDaySchema, { description: 'the computed days of the range, ascending' }),
});

const GroupBy = Type.Union(
  DIMENSIONS.map((dimension) => Type.Literal(dimension)),
  { description: 'adds the breakdown by this dimension' },
);

export const PeriodQuery = {
  date: Type.Optional(DATE),
  from: Type.Optional(DATE),
  to: Type.Optional(DATE),
};

const JSON_TYPE = 'application/json; charset=utf-8';

export async function kpiReadRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // computeDaily bumps the shared KPI version there (kpi/read-cache.ts).
  if (ctx.redis) useVersionRedis(ctx.redis);
  app.get(
    '/v1/kpis/daily',
    {
      schema: {
        tags: ['public'],
        summary: 'Daily KPIs of the caller\'s tenant: one day (date) or a range (from, to; at most 366 days)',
        description:
          'The tenant is the one of the credential (X-API-Key or Bearer JWT); a tenant_id parameter is refused. ' +
          'date → the day, 404 when it was never computed; from/to → {"tenant_id","items":[...]} with the computed days. ' +
          'group_by=client|technician|priority adds "groups".',
        security: [{ apiKey: [] }, { bearerJwt: [] }],
        querystring: Type.Object({ ...PeriodQuery, group_by: Type.Optional(GroupBy) }),
        response: { 200: Type.Union([KpiDaySchema, KpiDayListSchema]) },
      },
    },
    async (request, reply) => {
      const query = request.query as { date?: string; from?: string; to?: string; group_by?: string; tenant_id?: unknown };
      if (query.tenant_id !== undefined) {
        throw invalid('tenant_id is not accepted here: the tenant is the one of your API key or token', [
          { field: 'tenant_id', detail: 'not allowed on /v1' },
        ]);
      }
      const tenantId = request.tenantId!;
      const period = { date: query.date, from: query.from, to: query.to };
      // The serialized answer, while the tenant's KPI version is unchanged (kpi/read-cache.ts).
      const key = answerKey(scopeOf(ctx.db), tenantId, period, query.group_by);
      const version = await kpiVersion(tenantId, ctx.redis);
      const cached = cachedAnswer(key, version);
      if (cached !== undefined) return reply.type(JSON_TYPE).send(cached);
      // The credential proved the tenant exists and is active: no second tenant lookup.
      const answer = await readDaily(await readsOf(ctx).forTenant(tenantId), tenantId, period, query.group_by, { tenantVerified: true });
      const body = reply.serialize(answer) as string;
      rememberAnswer(key, tenantId, version, body);
      return reply.type(JSON_TYPE).send(body);
    },
  );
}
