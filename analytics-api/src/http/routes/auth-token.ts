import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { authenticateApiKey } from '../../auth/tenant-credentials.js';
import { DomainError, unauthorized } from '../../errors.js';
import type { AppContext } from '../context.js';

export async function authTokenRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post(
    '/v1/auth/token',
    {
      schema: {
        tags: ['public'],
        summary: 'Exchange a tenant API key (X-API-Key) for a short-lived JWT',
        security: [{ apiKey: [] }],
        response: {
          200: Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer() }),
        },
      },
    },
    async (request) => {
      if (!ctx.jwt) throw new DomainError('not_found', 'JWT auth is disabled on this server (JWT_SECRET_KEY unset)');
      const key = request.headers['x-api-key'];
      if (typeof key !== 'string' || key.length === 0) throw unauthorized('send the tenant API key in X-API-Key');
      const principal = await authenticateApiKey(request.db, key);
      const issued = await ctx.jwt.issue(principal.tenantId);
      return { access_token: issued.token, token_type: 'Bearer' as const, expires_in: issued.expiresIn };
    },
  );
}
