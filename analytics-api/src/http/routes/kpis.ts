import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import { scopeOf } from '../../db/scope.js';
import { invalid } from '../../errors.js';
import { readDaily } from '../../kpi/kpi-service.js';
import { answerKey, ANSWER_TTL_MS } from '../../kpi/read-cache.js';
import { matchesEtag } from '../conditional-get.js';
import type { AppContext } from '../context.js';
import { KpiAnswerSchema, KpiReadQuery } from '../schemas/kpis.js';

const JSON_TYPE = 'application/json; charset=utf-8';
/**
 * A client may reuse an answer this long without asking again: as long as another replica may serve
 * the previous answer after a recompute when Redis is down. How old the data itself is, is data_as_of.
 */
const CACHE_CONTROL = `private, max-age=${ANSWER_TTL_MS / 1000}`;

/**
 * Not a FastifyPluginAsyncTypebox: this route sends bytes it serialized itself (the cached answer),
 * which the type provider would have typed as the response schema's object. The query is typed by
 * its schema all the same.
 */
export const kpiReadRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof KpiReadQuery> }>(
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
        querystring: KpiReadQuery,
        response: {
          200: KpiAnswerSchema,
          304: Type.Null({ description: 'Not Modified: the answer whose ETag was sent in If-None-Match is current' }),
        },
      },
    },
    async (request, reply) => {
      const query = request.query;
      if ('tenant_id' in query) {
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
};
