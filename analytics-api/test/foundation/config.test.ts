import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const TOKEN = 'x'.repeat(32);

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults to the embedded quick start: no DATABASE_URL, MOCK_MODE on, no token needed', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.mockMode).toBe(true);
    expect(config.serviceToken).toBeUndefined();
    expect(config.port).toBe(8000);
    // It prints generated credentials: not reachable from the LAN unless HOST says so.
    expect(config.host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(config.logLevel).toBe('info');
  });

  it('listens on every interface with a real database (the image sets HOST=0.0.0.0 too)', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/x', SERVICE_TOKEN: TOKEN }).host).toBe('0.0.0.0');
  });

  it('requires SERVICE_TOKEN with a real database, and MOCK_MODE defaults to false there', () => {
    expect(failure({ DATABASE_URL: 'postgres://u:p@db:5432/x' }).variable).toBe('SERVICE_TOKEN');
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/x', SERVICE_TOKEN: TOKEN });
    expect(config.mockMode).toBe(false);
  });

  it.each([
    [{ SERVICE_TOKEN: 'short' }, 'SERVICE_TOKEN'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://u:p@h/db' }, 'DATABASE_URL'],
    [{ MOCK_MODE: 'maybe' }, 'MOCK_MODE'],
    [{ PORT: '80a' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ DATABASE_URL: 'postgres://u:p@db:5432/x', SERVICE_TOKEN: TOKEN, DATABASE_READ_URL: 'http://replica' }, 'DATABASE_READ_URL'],
    [{ DATABASE_READ_URL: 'postgres://u:p@replica:5432/x' }, 'DATABASE_READ_URL'],
    [{ DATABASE_URL: 'postgres://u:p@db:5432/x', SERVICE_TOKEN: TOKEN, READ_REPLICA_WAIT_MS: '61000' }, 'READ_REPLICA_WAIT_MS'],
    [{ JWT_SECRET_KEY: 'tooshort' }, 'JWT_SECRET_KEY'],
  ])('refuses %j naming the variable', (env, variable) => {
    const error = failure(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}:`)).toBe(true);
  });

  it('reads DATABASE_READ_URL beside DATABASE_URL, with a bounded wait for replay', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/x',
      DATABASE_READ_URL: 'postgres://u:p@replica:5432/x',
      SERVICE_TOKEN: TOKEN,
    });
    expect(config.databaseReadUrl).toBe('postgres://u:p@replica:5432/x');
    expect(config.readReplicaWaitMs).toBe(2_000);
    expect(loadConfig({}).databaseReadUrl).toBeUndefined();
  });

  it('never echoes a secret value in its message', () => {
    const secretUrl = 'postgres://user:SuperSecret123@host:5432/db?sslmode=maybe junk';
    expect(failure({ DATABASE_URL: secretUrl }).message).not.toContain('SuperSecret123');
    expect(failure({ SERVICE_TOKEN: 'abcdefghijkl' }).message).not.toContain('abcdefghijkl');
    expect(
      failure({ DATABASE_URL: 'postgres://u:p@db:5432/x', SERVICE_TOKEN: TOKEN, DATABASE_READ_URL: secretUrl.replace('postgres:', 'pg:') })
        .message,
    ).not.toContain('SuperSecret123');
  });

  it('reads booleans in the usual spellings', () => {
    expect(loadConfig({ MOCK_MODE: 'TRUE' }).mockMode).toBe(true);
    expect(loadConfig({ MOCK_MODE: '0' }).mockMode).toBe(false);
  });
});
