import type { FastifyInstance } from 'fastify';
import { bearerToken, matchingServiceToken } from '../../auth/service-token.js';
import { unauthorized } from '../../errors.js';

/**
 * Every route registered after this hook (in the same plugin scope) requires the service token:
 * the current one, or during a rotation the previous one (SERVICE_TOKEN_PREVIOUS). The log says
 * which of the two matched, never their values, so operators see when nothing uses the old one.
 */
export function requireServiceToken(app: FastifyInstance, expectedToken: string, previousToken?: string): void {
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('missing Authorization header: send "Authorization: Bearer <SERVICE_TOKEN>"');
    const token = bearerToken(header);
    if (!token) throw unauthorized('malformed Authorization header: expected "Bearer <SERVICE_TOKEN>"');
    const matched = matchingServiceToken(token, expectedToken, previousToken);
    if (!matched) throw unauthorized('invalid service token');
    request.log.info({ service_credential: matched === 'current' ? 'SERVICE_TOKEN' : 'SERVICE_TOKEN_PREVIOUS' }, 'service token accepted');
  });
}
