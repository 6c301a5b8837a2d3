import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { registerDashboard } from '../dashboard/plugin.js';
import type { AppContext } from './context.js';
import { installErrorHandlers } from './error-handler.js';
import { installJsonBodyParser } from './json-body.js';
import { loggerOptions } from './logger.js';
import { problem, sendProblem } from './problem.js';
import { installRateLimits } from './plugins/rate-limit.js';
import { requireServiceToken } from './plugins/service-auth.js';
import { requireTenant } from './plugins/tenant-auth.js';
import { installSecurityHeaders } from './plugins/security-headers.js';
import { authTokenRoutes } from './routes/auth-token.js';
import { connectionRoutes } from './routes/connections.js';
import { exportRoutes } from './routes/exports.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { kpiComputeRoutes } from './routes/kpi-compute.js';
import { kpiReadRoutes } from './routes/kpis.js';
import { syncRoutes } from './routes/sync.js';
import { syncStatusRoutes } from './routes/sync-status.js';
import { tenantRoutes } from './routes/tenants.js';

export interface BuildAppOptions {
  /** Tests pass false to keep their output quiet; the server passes the configured level. */
  logger?: boolean;
  version?: string;
}

const REQUEST_ID = /^[\w.:-]{1,100}$/;

/**
 * Plugin order: errors and headers first, then the OpenAPI collector (it must see every route),
 * then open routes, then the /internal scope (service token) and the /v1 scope (tenant credential).
 */
export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === false ? false : loggerOptions(ctx.config.logLevel),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestTimeout: ctx.config.requestTimeoutMs,
    // Given to http.createServer too: Node enforces requestTimeout on a stalled request body only
    // when it is set at construction (Fastify sets it afterwards), and checks every 30 s by default,
    // so a slow client (slowloris) would outlive a short REQUEST_TIMEOUT_MS. Check four times per timeout.
    http: { requestTimeout: ctx.config.requestTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.ceil(ctx.config.requestTimeoutMs / 4)) },
    bodyLimit: 1024 * 1024,
    forceCloseConnections: 'idle',
    // The router refuses a malformed URL (bad percent-encoding, over-long parameter) before any route
    // exists for it; without this, Fastify answers in its own JSON shape, without security headers.
    // Hooks do not run for these, so the headers of plugins/security-headers.ts are set here.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      reply.headers({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'x-request-id': request.id,
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      });
      void sendProblem(reply, problem(tooLong ? 414 : 400, tooLong ? 'a URL parameter is too long' : 'the URL is malformed (invalid percent-encoding)'));
    },
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandlers(app);
  installJsonBodyParser(app);
  installSecurityHeaders(app);
  installRateLimits(app, ctx);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'MSP Analytics API',
        version: options.version ?? '0.0.0',
        description: 'Ingests PSA tickets and time entries per MSP tenant, computes daily service-desk KPIs, writes Power BI exports.',
      },
      components: {
        securitySchemes: {
          serviceToken: { type: 'http', scheme: 'bearer', description: 'SERVICE_TOKEN, for /internal/* (n8n)' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Tenant API key' },
          bearerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Tenant JWT from /v1/auth/token' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await healthRoutes(app, ctx);
  await registerDashboard(app);

  await app.register(async (internal) => {
    requireServiceToken(internal, ctx.serviceToken);
    await tenantRoutes(internal, ctx);
    await ingestRoutes(internal, ctx);
    await kpiComputeRoutes(internal, ctx);
    await exportRoutes(internal, ctx);
    await connectionRoutes(internal, ctx);
    await syncRoutes(internal, ctx);
  });

  await app.register(async (publicApi) => {
    await authTokenRoutes(publicApi, ctx);
  });

  await app.register(async (publicApi) => {
    requireTenant(publicApi, ctx);
    await kpiReadRoutes(publicApi, ctx);
    await syncStatusRoutes(publicApi, ctx);
  });

  return app;
}
