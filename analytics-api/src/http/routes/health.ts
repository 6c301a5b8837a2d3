import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';

const Check = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('disabled')]), detail: Type.String() });
const HealthBody = Type.Object(
  {
    status: Type.Literal('ok'),
    ready: Type.Boolean(),
    version: Type.String(),
    database_backend: Type.String(),
    mock_mode: Type.Boolean(),
    uptime_seconds: Type.Number(),
    checks: Type.Object({ database: Check, migrations: Check, mock_data: Check, exports: Check, redis: Check }),
  },
  { additionalProperties: true },
);

export async function healthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/health',
    { schema: { tags: ['health'], summary: 'Liveness, with the state of every dependency', response: { 200: HealthBody } } },
    async () => ctx.health.report(),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: '200 when every required dependency is usable, else 503',
        response: { 200: HealthBody, 503: HealthBody },
      },
    },
    async (_request, reply) => {
      const report = await ctx.health.report();
      return reply.code(report.ready ? 200 : 503).send(report);
    },
  );
}
