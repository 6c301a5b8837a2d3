import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid } from '../../errors.js';
import { ConfigInputSchema } from '../../tenant-config/config-schema.js';
import { getConfig, getOwnConfig, putConfig } from '../../tenant-config/config-service.js';
import type { AppContext } from '../context.js';
import { TenantParams } from '../schemas/common.js';
import { ConfigViewSchema, OwnConfigSchema } from '../schemas/tenant-config.js';

/** `If-Match: 3` or `If-Match: "3"` (the ETag of GET) → 3; absent → undefined (last write wins). */
function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header[0]! : header)
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  if (!/^\d{1,9}$/.test(value))
    throw invalid('If-Match must be a configuration version (an integer)', [{ field: 'If-Match', detail: 'not a version' }]);
  return Number(value);
}

export const tenantConfigRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/internal/tenants/:id/config',
    {
      schema: {
        tags: ['internal'],
        summary: "The tenant's KPI configuration, its version and the stored days still being recomputed",
        security: [{ serviceToken: [] }],
        params: TenantParams,
        response: { 200: ConfigViewSchema },
      },
    },
    async (request, reply) => {
      const view = await getConfig(request.db, request.params.id);
      return reply.header('etag', `"${view.config_version}"`).send(view);
    },
  );

  app.put(
    '/internal/tenants/:id/config',
    {
      // The body is checked by the service (the CLI shares it), which names each wrong field.
      attachValidation: true,
      schema: {
        tags: ['internal'],
        summary: "Replace the tenant's KPI configuration (a new version; every stored day is recomputed in the background)",
        description:
          'The whole document: an omitted field takes its default. An unknown field, a bad time zone, an end before a start or a ' +
          'negative capacity → 400 naming the field. If-Match: <config_version> → 412 when the configuration has changed since; ' +
          'without it the last write wins.',
        security: [{ serviceToken: [] }],
        params: TenantParams,
        body: ConfigInputSchema,
        response: { 200: ConfigViewSchema },
      },
    },
    async (request, reply) => {
      const view = await putConfig(request.db, request.params.id, request.body, {
        changedBy: 'api',
        ifMatch: parseIfMatch(request.headers['if-match']),
        readCache: ctx.readCache,
      });
      ctx.recompute?.kick();
      return reply.header('etag', `"${view.config_version}"`).send(view);
    },
  );
};

/** GET /v1/config: the caller's tenant reads its own configuration. */
export const ownConfigRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app) => {
  app.get(
    '/v1/config',
    {
      schema: {
        tags: ['public'],
        summary: "The KPI configuration of the caller's tenant (read-only)",
        security: [{ apiKey: [] }, { bearerJwt: [] }],
        response: { 200: OwnConfigSchema },
      },
    },
    async (request) => getOwnConfig(await request.readsFor(request.tenantId!), request.tenantId!),
  );
};
