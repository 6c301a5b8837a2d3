import type { FastifyInstance } from 'fastify';
import { bearerToken } from '../../auth/service-token.js';
import { authenticateApiKey, authenticateJwt } from '../../auth/tenant-credentials.js';
import { unauthorized } from '../../errors.js';
import type { AppContext } from '../context.js';

/**
 * Every route registered after this hook (same plugin scope) needs a tenant credential: X-API-Key or
 * a Bearer JWT. The tenant comes only from the credential and is put on request.tenantId.
 */
export function requireTenant(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (request) => {
    const apiKey = request.headers['x-api-key'];
    const authorization = request.headers.authorization;
    let principal;
    if (typeof apiKey === 'string' && apiKey.length > 0) {
      principal = await authenticateApiKey(ctx.db, apiKey, ctx.credentials);
    } else if (authorization) {
      const token = bearerToken(authorization);
      if (!token) throw unauthorized('malformed Authorization header: expected "Bearer <JWT>"');
      principal = await authenticateJwt(ctx.db, ctx.jwt, token, ctx.credentials);
    } else {
      throw unauthorized('missing credentials: send X-API-Key or Authorization: Bearer <JWT>');
    }
    request.tenantId = principal.tenantId;
    request.credentialId = principal.credentialId;
  });
}
