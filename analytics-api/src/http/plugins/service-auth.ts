import type { FastifyInstance } from 'fastify';
import { bearerToken, serviceTokenMatches } from '../../auth/service-token.js';
import { unauthorized } from '../../errors.js';

/** Every route registered after this hook (in the same plugin scope) requires the service token. */
export function requireServiceToken(app: FastifyInstance, expectedToken: string): void {
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) throw unauthorized('missing Authorization header: send "Authorization: Bearer <SERVICE_TOKEN>"');
    const token = bearerToken(header);
    if (!token) throw unauthorized('malformed Authorization header: expected "Bearer <SERVICE_TOKEN>"');
    if (!serviceTokenMatches(token, expectedToken)) throw unauthorized('invalid service token');
  });
}
