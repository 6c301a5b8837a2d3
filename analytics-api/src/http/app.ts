import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { registerDashboard } from '../dashboard/plugin.js';
import type { AppContext } from './context.js';
import { installErrorHandlers } from './error-handler.js';
import { installJsonBodyParser } from './json-body.js';
import { handleClientError } from './client-errors.js';
import { credentialParametersIn } from './credentials-in-url.js';
import { loggerOptions, type LogDestination } from './logger.js';
import { invalid } from '../errors.js';
import { installHandlerTimeout } from './plugins/handler-timeout.js';
import { lazyChildLogger } from './lazy-child-logger.js';
import { problem, sendProblem } from './problem.js';
import { installRateLimits } from './plugins/rate-limit.js';
import { requireServiceToken } from './plugins/service-auth.js';
import { rememberWritePositions } from './plugins/write-positions.js';
import { requireTenant } from './plugins/tenant-auth.js';
import { installSecurityHeaders, outsideHookHeaders } from './plugins/security-headers.js';
import { alertRoutes } from './routes/alerts.js';
import { authTokenRoutes } from './routes/auth-token.js';
import { connectionRoutes } from './routes/connections.js';
import { exportRoutes } from './routes/exports.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { kpiComputeRoutes } from './routes/kpi-compute.js';
import { kpiReadRoutes } from './routes/kpis.js';
import { ownConfigRoutes, tenantConfigRoutes } from './routes/tenant-config.js';
import { reportRoutes } from './routes/reports.js';
import { syncRoutes } from './routes/sync.js';
import { syncStatusRoutes } from './routes/sync-status.js';
import { tenantRoutes } from './routes/tenants.js';

export interface BuildAppOptions {
  /** Tests pass false to keep their output quiet; the server passes the configured level. */
  logger?: boolean;
  /** Where log lines go instead of stdout (tests collect them to check that no secret is logged). */
  logStream?: LogDestination;
  version?: string;
}

const REQUEST_ID = /^[\w.:-]{1,100}$/;

/**
 * One info line per request, when it is answered: method, URL (credentials redacted), status, time.
 * The arrival is a debug line, for following a request that has not finished yet.
 */
function installAccessLog(app: FastifyInstance): void {
  // Not installed when their level is off (LOG_LEVEL=warn): two hooks less on every request.
  const log = app.log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };
  const enabled = (level: string) => log.isLevelEnabled?.(level) ?? true;
  if (enabled('debug')) {
    app.addHook('onRequest', (request, _reply, done) => {
      request.log.debug({ req: request }, 'incoming request');
      done();
    });
  }
  if (enabled('info')) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
      done();
    });
  }
}

/**
 * Plugin order: errors and headers first, then the OpenAPI collector (it must see every route),
 * then open routes, then the /internal scope (service token) and the /v1 scope (tenant credential).
 */
export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === false ? false : loggerOptions(ctx.config.logLevel, options.logStream),
    // request.ip is the client's address only when the peer is a trusted proxy (TRUST_PROXY); the
    // failed-authentication limit counts per request.ip.
    trustProxy: trustedProxies(ctx.config.trustProxy),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestTimeout: ctx.config.requestTimeoutMs,
    // Given to http.createServer too: Node enforces requestTimeout on a stalled request body only
    // when it is set at construction (Fastify sets it afterwards), and checks every 30 s by default,
    // so a slow client (slowloris) would outlive a short REQUEST_TIMEOUT_MS. Check four times per timeout.
    http: {
      requestTimeout: ctx.config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(30_000, Math.ceil(ctx.config.requestTimeoutMs / 4)),
    },
    bodyLimit: 1024 * 1024,
    forceCloseConnections: 'idle',
    // The router refuses a malformed URL (bad percent-encoding, over-long parameter) before any route
    // exists for it; without this, Fastify answers in its own JSON shape, without security headers.
    // Hooks do not run for these, so the headers of plugins/security-headers.ts are set here.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      reply.headers(outsideHookHeaders(request.id));
      void sendProblem(
        reply,
        problem(tooLong ? 414 : 400, tooLong ? 'a URL parameter is too long' : 'the URL is malformed (invalid percent-encoding)'),
      );
    },
    return503OnClosing: true,
    // Requests Node refuses before Fastify sees them (408 after REQUEST_TIMEOUT_MS, 431, bad HTTP).
    clientErrorHandler: handleClientError,
    // One access-log line per request (installAccessLog), not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandlers(app);
  // Key uses still waiting for their once-a-minute write are written before the database closes.
  app.addHook('onClose', () => ctx.credentials.flushKeyUsage());
  installAccessLog(app);
  installJsonBodyParser(app);
  installSecurityHeaders(app);
  refuseCredentialsInUrl(app);
  installRateLimits(app, ctx);
  installHandlerTimeout(app, ctx);

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

  await app.register(healthRoutes, { ctx });
  await registerDashboard(app);

  await app.register(async (internal) => {
    requireServiceToken(internal, ctx.serviceToken, ctx.config.serviceTokenPrevious);
    rememberWritePositions(internal, ctx.reads);
    await internal.register(tenantRoutes, { ctx });
    await internal.register(tenantConfigRoutes, { ctx });
    await internal.register(ingestRoutes, { ctx });
    await internal.register(kpiComputeRoutes, { ctx });
    await internal.register(exportRoutes, { ctx });
    await internal.register(alertRoutes, { ctx });
    await internal.register(reportRoutes, { ctx });
    await internal.register(connectionRoutes, { ctx });
    await internal.register(syncRoutes, { ctx });
  });

  await app.register(async (publicApi) => {
    await publicApi.register(authTokenRoutes, { ctx });
  });

  await app.register(async (publicApi) => {
    requireTenant(publicApi, ctx);
    await publicApi.register(kpiReadRoutes, { ctx });
    await publicApi.register(ownConfigRoutes, { ctx });
    await publicApi.register(syncStatusRoutes, { ctx });
  });

  return app;
}

/** Fastify's typings leave out the hop count its runtime accepts: the same rule as a function. */
function trustedProxies(setting: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** A credential in the query string is refused before anything else looks at it (credentials-in-url.ts). */
function refuseCredentialsInUrl(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const names = credentialParametersIn(request.url);
    if (names.length === 0) {
      done();
      return;
    }
    done(
      invalid(
        `credentials are not accepted in the URL (query parameter ${names.map((n) => `"${n}"`).join(', ')}): send an API key in the X-API-Key header, a token in "Authorization: Bearer <token>"`,
        names.map((name) => ({ field: `query.${name}`, detail: 'credential in the URL' })),
      ),
    );
  });
}
