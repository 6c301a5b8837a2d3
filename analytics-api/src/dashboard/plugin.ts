import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from '../http/problem.js';

/**
 * The KPI dashboard: one HTML page, one JS bundle, one CSS file and a favicon, built by
 * scripts/build-dashboard.mjs into dist/dashboard/ (next to this file once compiled) and served
 * from memory. Routes: GET / → 302 /dashboard; GET /dashboard (and /dashboard/) → the page;
 * GET /dashboard/<asset>. The page calls only GET /v1/kpis/daily and GET /v1/config (its KPI targets) with the tenant's X-API-Key.
 */

/** Self only: no inline script or style, no third-party origin, no framing. */
const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The files the build writes; nothing else in the folder (such as this compiled plugin) is served. */
const SERVED = /^(index\.html|favicon\.svg|app\.[A-Z0-9]+\.js|styles\.[A-Z0-9]+\.css)$/;

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

type Encoding = 'br' | 'gzip';

interface Asset {
  type: string;
  cacheControl: string;
  body: Buffer;
  etag: string;
  encoded: Partial<Record<Encoding, Buffer>>;
}

export interface DashboardOptions {
  /** Folder with the built files; default: this module's folder, else dist/dashboard of the package. */
  dir?: string;
}

/** Where the built page is: next to the compiled plugin (dist/dashboard/), or dist/dashboard/ when run from src/. */
function findDashboardDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, '..', '..', 'dist', 'dashboard')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

function cacheControlFor(name: string): string {
  if (name === 'index.html') return 'no-cache'; // always revalidated (ETag), so a new build shows at once
  if (name === 'favicon.svg') return 'public, max-age=86400';
  return 'public, max-age=31536000, immutable'; // content-hashed names
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    if (!SERVED.test(name)) continue;
    const body = readFileSync(join(dir, name));
    const ext = name.slice(name.lastIndexOf('.') + 1);
    const encoded: Asset['encoded'] = {};
    for (const [enc, suffix] of [
      ['br', '.br'],
      ['gzip', '.gz'],
    ] as const) {
      const file = join(dir, name + suffix);
      if (existsSync(file)) encoded[enc] = readFileSync(file);
    }
    assets.set(name, {
      type: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      cacheControl: cacheControlFor(name),
      body,
      etag: createHash('sha256').update(body).digest('base64url').slice(0, 22),
      encoded,
    });
  }
  return assets;
}

/** The best encoding the client accepts (q > 0) among those we have. */
function negotiate(header: string | string[] | undefined, available: Asset['encoded']): Encoding | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const accepted = new Map<string, number>();
  for (const part of header.split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(token.trim(), q ? Number(q.slice(2)) || 0 : 1);
  }
  const ok = (enc: string) => (accepted.get(enc) ?? accepted.get('*') ?? 0) > 0;
  if (available.br && ok('br')) return 'br';
  if (available.gzip && ok('gzip')) return 'gzip';
  return undefined;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

function pageHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', DASHBOARD_CSP);
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
}

export async function registerDashboard(app: FastifyInstance, options: DashboardOptions = {}): Promise<void> {
  const dir = options.dir ?? findDashboardDir();
  const assets = dir && existsSync(join(dir, 'index.html')) ? loadAssets(dir) : new Map<string, Asset>();

  const send = (request: FastifyRequest, reply: FastifyReply, name: string) => {
    pageHeaders(reply);
    const asset = assets.get(name);
    if (!asset) {
      if (assets.size === 0) {
        return sendProblem(
          reply,
          problem(503, 'The dashboard has not been built: run `npm run build` (it runs scripts/build-dashboard.mjs).'),
        );
      }
      return sendProblem(reply, problem(404, `No dashboard file ${JSON.stringify(name.slice(0, 100))}.`));
    }
    const encoding = negotiate(request.headers['accept-encoding'], asset.encoded);
    const etag = `"${asset.etag}${encoding ? `-${encoding}` : ''}"`;
    reply.header('content-type', asset.type);
    reply.header('cache-control', asset.cacheControl);
    reply.header('vary', 'accept-encoding');
    reply.header('etag', etag);
    if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
    if (encoding) reply.header('content-encoding', encoding);
    return reply.send(encoding ? asset.encoded[encoding] : asset.body);
  };

  const hidden = { schema: { hide: true } };
  app.get('/', hidden, async (_request, reply) => reply.redirect('/dashboard', 302));
  app.get('/dashboard', hidden, async (request, reply) => send(request, reply, 'index.html'));
  app.get('/dashboard/*', hidden, async (request, reply) => {
    const name = (request.params as { '*'?: string })['*'] ?? '';
    return send(request, reply, name === '' ? 'index.html' : name);
  });
}
