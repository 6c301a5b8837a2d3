import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { removeConnection, setConnection, showConnection, testConnection } from '../../connectors/connection-service.js';
import type { AppContext } from '../context.js';

const ConnectionSchema = Type.Object({
  tenant_id: Type.String({ format: 'uuid' }),
  psa: Type.String(),
  base_url: Type.Union([Type.String(), Type.Null()]),
  credentials: Type.Record(Type.String(), Type.String(), { description: 'secret fields are always masked' }),
  key_id: Type.String({ description: 'id of the CREDENTIALS_KEY that sealed the secrets' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  last_sync_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_sync_status: Type.Union([Type.String(), Type.Null()]),
  last_sync_error: Type.Union([Type.String(), Type.Null()]),
});

const ConnectionBody = Type.Object(
  {
    psa: Type.String({ description: 'connectwise, autotask or halopsa' }),
    base_url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    credentials: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);

const Params = Type.Object({ id: Type.String({ description: 'tenant UUID' }) });

export const connectionRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.put(
    '/internal/tenants/:id/connection',
    {
      schema: {
        tags: ['internal'],
        summary: "Sets the tenant's PSA connection (secrets are stored encrypted with CREDENTIALS_KEY)",
        security: [{ serviceToken: [] }],
        params: Params,
        body: ConnectionBody,
        response: { 200: ConnectionSchema },
      },
    },
    async (request) => setConnection(request.db, ctx.config, request.params.id, request.body),
  );
  app.get(
    '/internal/tenants/:id/connection',
    {
      schema: {
        tags: ['internal'],
        summary: "The tenant's PSA connection, secrets masked, with its last sync",
        security: [{ serviceToken: [] }],
        params: Params,
        response: { 200: ConnectionSchema },
      },
    },
    async (request) => showConnection(request.db, ctx.config, request.params.id),
  );
  app.delete(
    '/internal/tenants/:id/connection',
    {
      schema: {
        tags: ['internal'],
        summary: "Removes the tenant's PSA connection and its sync cursors (stored records stay)",
        security: [{ serviceToken: [] }],
        params: Params,
      },
    },
    async (request, reply) => {
      await removeConnection(request.db, request.params.id);
      return reply.code(204).send();
    },
  );
  app.post(
    '/internal/tenants/:id/connection/test',
    {
      schema: {
        tags: ['internal'],
        summary: 'One cheap authenticated call to the PSA; a 502 problem names what failed (address, tls, credentials, permission)',
        security: [{ serviceToken: [] }],
        params: Params,
        response: { 200: Type.Object({ tenant_id: Type.String(), psa: Type.String(), ok: Type.Boolean(), requests: Type.Integer() }) },
      },
    },
    async (request) => testConnection(request.db, ctx.config, request.params.id),
  );
};
