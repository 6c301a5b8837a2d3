/**
 * The Coolify compose files, parsed with `yaml` and held against the contract (no Docker engine
 * here, so no `docker compose config`): services, exposed ports, volumes and modes, health checks,
 * every contract variable wired or documented, secrets from Coolify magic variables.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './paths.js';

type Env = Record<string, string | null>;
interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  expose?: (string | number)[];
  ports?: unknown[];
  environment?: Record<string, unknown> | string[];
  volumes?: (string | Record<string, unknown>)[];
  networks?: unknown;
  network_mode?: string;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  container_name?: string;
  command?: unknown;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { name?: string; external?: boolean } | null>;
}

const FULL = 'deploy/coolify/docker-compose.full.yml';
const API_ONLY = 'deploy/coolify/docker-compose.api-only.yml';

/** The environment variables operators depend on (README, "Configuration"). */
const CONTRACT_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'MOCK_MODE',
  'MOCK_DATA_PATH',
  'SERVICE_TOKEN',
  'JWT_SECRET_KEY',
  'EXPORTS_PATH',
  'REDIS_URL',
  'LOG_LEVEL',
];
const SECRET_VARIABLES = ['DATABASE_URL', 'SERVICE_TOKEN', 'JWT_SECRET_KEY', 'REDIS_URL'];
/** Coolify's generateEnvValue() commands (bootstrap/helpers/shared.php). */
const MAGIC_COMMANDS = [
  'PASSWORD',
  'PASSWORD_64',
  'PASSWORDWITHSYMBOLS',
  'PASSWORDWITHSYMBOLS_64',
  'BASE64',
  'BASE64_32',
  'BASE64_64',
  'BASE64_128',
  'REALBASE64',
  'REALBASE64_32',
  'REALBASE64_64',
  'REALBASE64_128',
  'HEX_32',
  'HEX_64',
  'HEX_128',
  'USER',
  'LOWERCASEUSER',
];

const text = (file: string) => readFileSync(join(repoRoot, file), 'utf8');
const load = (file: string) => parse(text(file)) as Compose;

function envOf(service: Service): Env {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((item) => {
        const at = item.indexOf('=');
        return at < 0 ? [item, null] : [item.slice(0, at), item.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]));
}

/** Short volume syntax `source:target[:mode]` → parts. */
function mounts(service: Service): { source: string; target: string; mode: string }[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') {
      const v = volume as { source?: string; target?: string; read_only?: boolean };
      return { source: v.source ?? '', target: v.target ?? '', mode: v.read_only ? 'ro' : 'rw' };
    }
    const [source = '', target = '', mode = 'rw'] = volume.split(':');
    return { source, target, mode };
  });
}

/** Coolify's parseCommandFromMagicEnvVariable(): the generator a SERVICE_* name asks for. */
function magicCommand(name: string): string | undefined {
  const underscores = name.split('_').length - 1;
  const rest = name.slice('SERVICE_'.length);
  if (/^SERVICE_(URL|FQDN)_/.test(name)) return rest.split('_')[0];
  if (underscores === 2 || underscores === 3) return rest.slice(0, rest.lastIndexOf('_'));
  return undefined;
}

function magicReferences(source: string): string[] {
  const withoutComments = source
    .split('\n')
    .map((line) => line.replace(/\s#.*$/, ''))
    .join('\n');
  return [...new Set([...withoutComments.matchAll(/\$\{?(SERVICE_[A-Z0-9_]+)/g)].map((m) => m[1]!))];
}

function checkCommon(file: string, compose: Compose): void {
  const api = compose.services['analytics-api'];
  expect(api, 'service analytics-api').toBeDefined();
  const env = envOf(api!);

  // Build from the repository root (Coolify's project directory) with the package's Dockerfile.
  expect(api!.build).toEqual({ context: '.', dockerfile: 'analytics-api/Dockerfile' });
  expect(existsSync(join(repoRoot, 'analytics-api/Dockerfile'))).toBe(true);

  // Internal port only.
  expect((api!.expose ?? []).map(String)).toContain('8000');
  for (const [name, service] of Object.entries(compose.services)) {
    expect(service.ports, `${file}: ${name} publishes ports`).toBeUndefined();
    expect(service.container_name, `${file}: ${name} sets container_name (Coolify replaces it)`).toBeUndefined();
    expect(['postgres', 'redis', 'postgresql'], `${file}: service name ${name} collides on Coolify's network`).not.toContain(name);
    const test = service.healthcheck?.test;
    expect(test, `${file}: ${name} has no health check`).toBeDefined();
    expect(service.healthcheck?.disable).not.toBe(true);
    expect(Array.isArray(test) ? test.join(' ') : test).not.toMatch(/^NONE/);
  }

  // The API's health check: Node's fetch on /health, no curl (not in the image).
  const apiCheck = [api!.healthcheck!.test].flat().join(' ');
  expect(apiCheck).toMatch(/node/);
  expect(apiCheck).toMatch(/fetch\('http:\/\/127\.0\.0\.1:8000\/health'/);
  expect(apiCheck).not.toMatch(/curl|wget/);

  // Volumes: exports on a named, declared, read-write volume; mock-data from the image (or read-only).
  const apiMounts = mounts(api!);
  const exportsMount = apiMounts.find((m) => m.target === '/app/exports');
  expect(exportsMount, 'exports volume').toBeDefined();
  expect(exportsMount!.mode).toBe('rw');
  expect(exportsMount!.source).not.toMatch(/^[./~]/);
  expect(Object.keys(compose.volumes ?? {})).toContain(exportsMount!.source);
  for (const m of apiMounts.filter((x) => x.target === '/app/mock-data')) expect(m.mode).toBe('ro');

  // Every contract variable wired here or documented in docs/deploy-coolify.md.
  const docs = text('docs/deploy-coolify.md');
  for (const name of CONTRACT_VARIABLES) {
    const documented = docs.includes(`| \`${name}\``) || (docs.includes(`| \`PORT\` / \`HOST\``) && ['PORT', 'HOST'].includes(name));
    expect(name in env || documented, `${file}: ${name} neither wired nor documented`).toBe(true);
    expect(docs, `docs/deploy-coolify.md does not mention ${name}`).toContain(`\`${name}\``);
  }
  expect(env['MOCK_DATA_PATH']).toBe('/app/mock-data');
  expect(env['EXPORTS_PATH']).toBe('/app/exports');
  expect(env['PORT']).toBe('8000');
  expect(env['HOST']).toBe('0.0.0.0');
  expect(env['MOCK_MODE']).toBe('${MOCK_MODE:-true}');

  // Secrets: generated by Coolify or required from the operator, never a literal; marked in the file.
  const source = text(file);
  for (const name of SECRET_VARIABLES) {
    const value = env[name] ?? '';
    expect(value, `${file}: ${name} holds a literal`).toMatch(/\$\{(SERVICE_[A-Z0-9_]+|[A-Z_]+:[?-][^}]*)\}/);
    const lines = source.split('\n').filter((line) => new RegExp(`^\\s*(-\\s*)?${name}[:=]`).test(line));
    expect(lines.length, `${file}: ${name} line`).toBeGreaterThan(0);
    for (const line of lines) expect(line, `${file}: ${name} not marked as a secret`).toMatch(/#\s*secret/);
  }
  // SERVICE_TOKEN and JWT_SECRET_KEY need ≥ 32 characters: no 16-character SERVICE_USER_*.
  for (const name of ['SERVICE_TOKEN', 'JWT_SECRET_KEY']) {
    const ref = /\$\{(SERVICE_[A-Z0-9_]+)\}/.exec(env[name] ?? '')?.[1];
    if (ref) expect(['USER', 'LOWERCASEUSER']).not.toContain(magicCommand(ref));
  }

  // Every magic variable is one Coolify generates, and is referenced in an `environment` (the only
  // place, with build args, where Coolify looks for them).
  const envText = Object.values(compose.services)
    .map((s) => JSON.stringify(envOf(s)))
    .join('\n');
  for (const ref of magicReferences(source)) {
    const command = magicCommand(ref);
    if (/^SERVICE_(URL|FQDN)_/.test(ref)) continue;
    expect(MAGIC_COMMANDS, `${file}: ${ref} is not a Coolify magic variable`).toContain(command);
    expect(envText, `${file}: ${ref} is only used outside environment`).toContain(ref);
  }
}

describe('deploy/coolify/docker-compose.full.yml', () => {
  const compose = load(FULL);
  const services = compose.services;

  it('has the API, its PostgreSQL and Redis under non-colliding names, and n8n with its runners', () => {
    expect(Object.keys(services).sort()).toEqual(['analytics-api', 'analytics-db', 'analytics-redis', 'n8n', 'n8n-worker', 'task-runners']);
  });

  it('agrees with the contract (ports, volumes, health checks, variables, secrets)', () => {
    checkCommon(FULL, compose);
  });

  it('keeps every service on the stack network, where n8n resolves analytics-api', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.networks, `${name} networks`).toBeUndefined();
      expect(service.network_mode, `${name} network_mode`).toBeUndefined();
    }
    expect(compose.networks).toBeUndefined();
  });

  it('points DATABASE_URL and REDIS_URL at the services of the stack, with their generated credentials', () => {
    const env = envOf(services['analytics-api']!);
    const db = envOf(services['analytics-db']!);
    const url = new URL(env['DATABASE_URL']!.replace(/\$\{([A-Z0-9_]+)\}/g, 'X$1'));
    expect(url.hostname).toBe('analytics-db');
    expect(url.port).toBe('5432');
    expect(url.pathname).toBe(`/${db['POSTGRES_DB']}`);
    expect(env['DATABASE_URL']).toContain(db['POSTGRES_USER']!);
    expect(env['DATABASE_URL']).toContain(db['POSTGRES_PASSWORD']!);
    const redis = envOf(services['analytics-redis']!);
    expect(env['REDIS_URL']).toMatch(/^redis:\/\/default:\$\{SERVICE_PASSWORD_[A-Z0-9]+\}@analytics-redis:6379\/\d+$/);
    expect(env['REDIS_URL']).toContain(redis['REDIS_PASSWORD']!);
    expect((services['analytics-db']!.expose ?? []).map(String)).toContain('5432');
    expect((services['analytics-redis']!.expose ?? []).map(String)).toContain('6379');
    expect(services['analytics-api']!.depends_on).toEqual({
      'analytics-db': { condition: 'service_healthy' },
      'analytics-redis': { condition: 'service_healthy' },
    });
  });

  it('persists the database and n8n in named volumes', () => {
    expect(mounts(services['analytics-db']!)).toEqual([{ source: 'analytics-db-data', target: '/var/lib/postgresql/data', mode: 'rw' }]);
    expect(mounts(services['n8n']!)).toEqual([{ source: 'n8n-data', target: '/home/node/.n8n', mode: 'rw' }]);
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(['analytics-db-data', 'analytics-exports', 'n8n-data']);
  });

  it("runs n8n as Coolify's template does, pinned to 2.x, with a generated encryption key", () => {
    const n8n = services['n8n']!;
    expect(n8n.image).toMatch(/^n8nio\/n8n:2\.\d+\.\d+$/);
    expect(services['task-runners']!.image).toBe(n8n.image!.replace('n8nio/n8n', 'n8nio/runners'));
    const env = envOf(n8n);
    expect(env['N8N_ENCRYPTION_KEY']).toMatch(/^\$\{SERVICE_(PASSWORD|BASE64|HEX)[A-Z0-9_]*\}$/);
    expect(env['N8N_BLOCK_ENV_ACCESS_IN_NODE']).toBe('${N8N_BLOCK_ENV_ACCESS_IN_NODE:-true}');
    expect(env['N8N_RUNNERS_MODE']).toBe('external');
    expect(env['N8N_RUNNERS_AUTH_TOKEN']).toBe(envOf(services['task-runners']!)['N8N_RUNNERS_AUTH_TOKEN']);
    expect('SERVICE_URL_N8N_5678' in env).toBe(true);
    expect([n8n.healthcheck!.test].flat().join(' ')).toContain('5678/healthz');
  });
});

describe('deploy/coolify/docker-compose.api-only.yml', () => {
  const compose = load(API_ONLY);

  it('has analytics-api only', () => {
    expect(Object.keys(compose.services)).toEqual(['analytics-api']);
  });

  it('agrees with the contract (ports, volumes, health checks, variables, secrets)', () => {
    checkCommon(API_ONLY, compose);
  });

  it("joins Coolify's predefined network and requires the existing database's URL", () => {
    const api = compose.services['analytics-api']!;
    expect(api.networks).toEqual(['coolify']);
    expect(compose.networks?.['coolify']).toEqual({ name: 'coolify', external: true });
    expect(envOf(api)['DATABASE_URL']).toMatch(/^\$\{DATABASE_URL:\?/);
    expect(envOf(api)['REDIS_URL']).toBe('${REDIS_URL:-}');
  });
});

describe('the Coolify guide', () => {
  it("walks through the plan's seven steps and has a troubleshooting row for every BLOCKED category", () => {
    const docs = text('docs/deploy-coolify.md');
    for (let step = 1; step <= 7; step += 1) expect(docs).toMatch(new RegExp(`## ÉTAPE ${step} `));
    for (const category of ['network', 'authentication', 'database connection', 'volumes', 'migrations', 'configuration', 'api']) {
      expect(docs, `troubleshooting row for ${category}`).toMatch(new RegExp(`^\\| ${category} — `, 'm'));
    }
    expect(docs).toContain('deploy/coolify/docker-compose.full.yml');
    expect(docs).toContain('deploy/coolify/docker-compose.api-only.yml');
    expect(docs).toContain('node dist/cli.js seed-mock');
    expect(docs).toContain('node dist/cli.js verify');
  });
});
