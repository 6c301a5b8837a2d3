import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { HealthBody } from '../schemas/health.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
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
};
