import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { scopeOf } from '../../auth/credential-cache.js';
import { invalid } from '../../errors.js';
import { COUNT_KEYS, KPI_KEYS } from '../../kpi/kpi-keys.js';
import { DIMENSIONS, readDaily } from '../../kpi/kpi-service.js';
import { answerKey, ANSWER_TTL_MS } from '../../kpi/read-cache.js';
import { matchesEtag } from '../conditional-get.js';
import type { AppContext } from '../context.js';

const DATE = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'calendar date, YYYY-MM-DD' });

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
    description:
      "ISO 4217 code of billable_amount and effective_hourly_rate: the currency the tenant's time entries carry when they agree; null when unknown or mixed",
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
/**
 * A client may reuse an answer this long without asking again: as long as another replica may serve
 * the previous answer after a recompute when Redis is down. How old the data itself is, is data_as_of.
 */
const CACHE_CONTROL = `private, max-age=${ANSWER_TTL_MS / 1000}`;

export async function kpiReadRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/v1/kpis/daily',
    {
      schema: {
        tags: ['public'],
        summary: "Daily KPIs of the caller's tenant: one day (date) or a range (from, to; at most 366 days)",
        description:
          'The tenant is the one of the credential (X-API-Key or Bearer JWT); a tenant_id parameter is refused. ' +
          'date → the day, 404 when it was never computed; from/to → {"tenant_id","items":[...]} with the computed days. ' +
          'group_by=client|technician|priority adds "groups". Answers carry an ETag and Cache-Control: private, max-age=30; ' +
          'If-None-Match with a current ETag → 304 without a body.',
        security: [{ apiKey: [] }, { bearerJwt: [] }],
        querystring: Type.Object({ ...PeriodQuery, group_by: Type.Optional(GroupBy) }),
        response: {
          200: Type.Union([KpiDaySchema, KpiDayListSchema]),
          304: Type.Null({ description: 'Not Modified: the answer whose ETag was sent in If-None-Match is current' }),
        },
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
      // The serialized answer, while the tenant's KPI version is unchanged (kpi/read-cache.ts). The
      // credential, tenant and rate-limit hooks have run: the cache only saves the read.
      const key = answerKey(scopeOf(ctx.db), tenantId, period, query.group_by);
      const version = await ctx.readCache.version(tenantId);
      let answer = ctx.readCache.get(key, version);
      if (!answer) {
        // The credential proved the tenant exists and is active: no second tenant lookup.
        const days = await readDaily(await request.readsFor(tenantId), tenantId, period, query.group_by, { tenantVerified: true });
        answer = ctx.readCache.remember(key, tenantId, version, reply.serialize(days) as string);
      }
      // Vary: a browser keys its cache by URL, and one browser may hold the keys of two tenants.
      reply.header('etag', answer.etag).header('cache-control', CACHE_CONTROL).header('vary', 'x-api-key, authorization');
      if (matchesEtag(request.headers['if-none-match'], answer.etag)) return reply.code(304).send();
      return reply.type(JSON_TYPE).send(answer.body);
    },
  );
}
