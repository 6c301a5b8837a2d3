import { createHash, randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every setting the service reads, parsed and validated in one place (see README's variable table). */
export interface Config {
  port: number;
  host: string;
  /** Unset → embedded PostgreSQL (PGlite) under dataDir: the zero-setup quick start. */
  databaseUrl: string | undefined;
  /** A streaming standby of DATABASE_URL for /v1 reads and exports (db/replica-reads.ts); PostgreSQL only. */
  databaseReadUrl: string | undefined;
  /** How long a read waits for the standby to replay the tenant's last write before reading the primary. */
  readReplicaWaitMs: number;
  dataDir: string;
  mockMode: boolean;
  mockDataPath: string;
  /** Undefined only in the embedded quick start, where one is generated and kept in dataDir. */
  serviceToken: string | undefined;
  /** The token being rotated out: accepted beside serviceToken until it is unset. */
  serviceTokenPrevious: string | undefined;
  jwtSecretKey: string | undefined;
  jwtTtlSeconds: number;
  exportsPath: string;
  exportsKeep: number;
  redisUrl: string | undefined;
  logLevel: string;
  runMigrations: boolean;
  bodyLimitBytes: number;
  maxRecordsPerCall: number;
  requestTimeoutMs: number;
  statementTimeoutMs: number;
  rateLimitPerMinute: number;
  authFailuresPerMinute: number;
  /** Where users reach this service (no trailing slash): the dashboard link of reports and alerts. */
  publicBaseUrl: string;
  /**
   * Which peers may say who the client is (X-Forwarded-For): false (none, the default), a hop count
   * (the last N proxies in front of the service) or a list of addresses / CIDRs. Fastify's trustProxy.
   */
  trustProxy: boolean | number | string[];
  /** Identifies this process in ingestion runs and in pg_stat_activity. */
  instanceId: string;
  /** AES-256-GCM key for PSA connection secrets; undefined → setting a connection is refused. */
  credentialsKey: CredentialsKey | undefined;
  /** The key before the last rotation: still read, never written (`connection rekey` moves secrets off it). */
  credentialsKeyPrevious: CredentialsKey | undefined;
  /** Source-clock slack re-read before the sync cursor, in seconds. */
  syncOverlapSeconds: number;
  /** Records asked per PSA page; capped by each PSA's own maximum (ConnectWise 1000, Autotask and Halo 500). */
  syncPageSize: number;
}

/** A 32-byte key and its id (the first 8 hex digits of its SHA-256), stored with each secret. */
export interface CredentialsKey {
  id: string;
  key: Buffer;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The analytics-api package folder (dist/config/.. /..), where mock-data lives by default. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const lowered = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
  if (['false', '0', 'no', 'off'].includes(lowered)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // The value may hold a password: never echo it.
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function secret(env: Env, name: string, minLength: number): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  if (raw.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters long`);
  return raw;
}

/** An IPv4 or IPv6 address, optionally with a /prefix: the shapes proxy-addr accepts. */
const ADDRESS_OR_CIDR = /^(?:\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?|[0-9a-f:.]*:[0-9a-f:.]*(?:\/\d{1,3})?)$/i;
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY: `false` (default), a hop count (1 behind Coolify's Traefik), or a comma-separated list
 * of addresses, CIDRs or the names loopback / linklocal / uniquelocal. `true` (trust every peer) is
 * refused: any client could then pick its own address and escape the per-address limits.
 */
function trustProxy(env: Env): boolean | number | string[] {
  const raw = text(env, 'TRUST_PROXY');
  if (raw === undefined || ['false', '0', 'no', 'off'].includes(raw.toLowerCase())) return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new ConfigError('TRUST_PROXY', `a hop count must be between 0 and 10, got ${hops}`);
    return hops;
  }
  if (['true', 'yes', 'on'].includes(raw.toLowerCase())) {
    throw new ConfigError(
      'TRUST_PROXY',
      'true would trust X-Forwarded-For from any client: give a hop count (e.g. 1) or the proxy addresses/CIDRs',
    );
  }
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    if (!ADDRESS_OR_CIDR.test(entry) && !PROXY_NAMES.includes(entry.toLowerCase())) {
      throw new ConfigError('TRUST_PROXY', `"${entry}" is not an address, a CIDR or one of ${PROXY_NAMES.join(', ')}`);
    }
  }
  return entries;
}

function credentialsKey(env: Env, name: string): CredentialsKey | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  // The value is a secret: the message says what is wrong, never what was given.
  if (key.length !== 32) throw new ConfigError(name, 'must be 32 random bytes in base64 (openssl rand -base64 32)');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Parses the environment. `purpose: 'cli'` does not require SERVICE_TOKEN (commands talk to the
 * database, not to HTTP clients).
 */
export function loadConfig(env: Env = process.env, purpose: 'server' | 'cli' = 'server'): Config {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const embedded = databaseUrl === undefined;
  const databaseReadUrl = url(env, 'DATABASE_READ_URL', ['postgres:', 'postgresql:']);
  if (databaseReadUrl !== undefined && embedded) {
    throw new ConfigError('DATABASE_READ_URL', 'is only used beside DATABASE_URL (the embedded database has no replica)');
  }
  const serviceToken = secret(env, 'SERVICE_TOKEN', 32);
  if (purpose === 'server' && !embedded && serviceToken === undefined) {
    throw new ConfigError('SERVICE_TOKEN', 'is required when DATABASE_URL is set (at least 32 characters)');
  }
  const serviceTokenPrevious = secret(env, 'SERVICE_TOKEN_PREVIOUS', 32);
  if (serviceTokenPrevious !== undefined && serviceToken === undefined) {
    throw new ConfigError('SERVICE_TOKEN_PREVIOUS', 'is only accepted beside SERVICE_TOKEN (the new token)');
  }
  const logLevel = (text(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  // The embedded quick start prints a generated token and key: loopback only unless HOST is set.
  const host = text(env, 'HOST') ?? (embedded ? '127.0.0.1' : '0.0.0.0');
  const port = integer(env, 'PORT', 8000, 0, 65535);

  return {
    port,
    host,
    databaseUrl,
    databaseReadUrl,
    readReplicaWaitMs: integer(env, 'READ_REPLICA_WAIT_MS', 2_000, 0, 60_000),
    // The default is the package's own folder, wherever the command is typed (the repository root,
    // analytics-api/, elsewhere): one embedded database, not one per working directory.
    dataDir: resolve(text(env, 'DATA_DIR') ?? resolve(packageRoot, '.data')),
    mockMode: boolean(env, 'MOCK_MODE', embedded),
    mockDataPath: resolve(text(env, 'MOCK_DATA_PATH') ?? resolve(packageRoot, 'mock-data')),
    serviceToken,
    serviceTokenPrevious,
    jwtSecretKey: secret(env, 'JWT_SECRET_KEY', 32),
    jwtTtlSeconds: integer(env, 'JWT_TTL_SECONDS', 900, 60, 86_400),
    exportsPath: resolve(text(env, 'EXPORTS_PATH') ?? resolve(packageRoot, 'exports')),
    exportsKeep: integer(env, 'EXPORTS_KEEP', 3, 1, 100),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    logLevel,
    runMigrations: boolean(env, 'RUN_MIGRATIONS', true),
    bodyLimitBytes: integer(env, 'INGEST_BODY_LIMIT_MB', 64, 1, 1024) * 1024 * 1024,
    maxRecordsPerCall: integer(env, 'INGEST_MAX_RECORDS', 100_000, 1, 10_000_000),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 120_000, 1_000, 3_600_000),
    statementTimeoutMs: integer(env, 'STATEMENT_TIMEOUT_MS', 60_000, 1_000, 3_600_000),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    authFailuresPerMinute: integer(env, 'AUTH_FAILURES_PER_MINUTE', 30, 1, 1_000_000),
    publicBaseUrl: (url(env, 'PUBLIC_BASE_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    trustProxy: trustProxy(env),
    instanceId: randomUUID(),
    credentialsKey: credentialsKey(env, 'CREDENTIALS_KEY'),
    credentialsKeyPrevious: credentialsKey(env, 'CREDENTIALS_KEY_PREVIOUS'),
    syncOverlapSeconds: integer(env, 'SYNC_OVERLAP_SECONDS', 120, 0, 86_400),
    syncPageSize: integer(env, 'SYNC_PAGE_SIZE', 1000, 1, 1000),
  };
}
