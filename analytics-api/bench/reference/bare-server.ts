/**
 * The public API's reference: a bare Fastify server that answers GET /v1/kpis/daily with the same
 * JSON body as the service, sent as the pre-serialized string (the physical limit of Fastify on
 * this machine). GET /serialized/v1/kpis/daily sends the parsed object instead, serialized on every
 * request (the reference of earlier runs, reported in the notes). Run as its own process (like the
 * service), on 127.0.0.1, port and body file given by the environment:
 *   BARE_PORT=… BARE_BODY_FILE=… node --import tsx bench/reference/bare-server.ts
 * Prints "listening" on stdout once it accepts connections.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const port = Number(process.env.BARE_PORT);
const body = readFileSync(process.env.BARE_BODY_FILE ?? '', 'utf8');
const payload = JSON.parse(body) as unknown;

const app = Fastify({ logger: false });
app.get('/v1/kpis/daily', async (_request, reply) => {
  reply.header('content-type', 'application/json; charset=utf-8');
  return body;
});
app.get('/serialized/v1/kpis/daily', async (_request, reply) => {
  reply.header('content-type', 'application/json; charset=utf-8');
  return payload;
});

await app.listen({ port, host: '127.0.0.1' });
process.stdout.write('listening\n');
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
