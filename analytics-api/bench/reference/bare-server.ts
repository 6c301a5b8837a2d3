/**
 * The public API's reference: a bare Fastify server that answers GET /v1/kpis/daily with the same
 * JSON body as the service, held in memory. Run as its own process (like the service), on
 * 127.0.0.1, port and body file given by the environment:
 *   BARE_PORT=… BARE_BODY_FILE=… node --import tsx bench/reference/bare-server.ts
 * Prints "listening" on stdout once it accepts connections.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const port = Number(process.env.BARE_PORT);
const body = readFileSync(process.env.BARE_BODY_FILE ?? '', 'utf8');
const payload = JSON.parse(body) as unknown;

const app = Fastify({ logger: false });
// The object is serialized on every request, as the service serializes its response.
app.get('/v1/kpis/daily', async (_request, reply) => {
  reply.header('content-type', 'application/json; charset=utf-8');
  return payload;
});

await app.listen({ port, host: '127.0.0.1' });
process.stdout.write('listening\n');
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
