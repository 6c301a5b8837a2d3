import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** PUBLIC_BASE_URL: the dashboard link of the messages. */

const base = { SERVICE_TOKEN: 'x'.repeat(40) };

describe('PUBLIC_BASE_URL', () => {
  it('defaults to localhost on the configured port, and loses a trailing slash', () => {
    expect(loadConfig({ ...base, PORT: '9123' }).publicBaseUrl).toBe('http://localhost:9123');
    expect(loadConfig({ ...base, PUBLIC_BASE_URL: 'https://analytics.example.com/msp/' }).publicBaseUrl).toBe(
      'https://analytics.example.com/msp',
    );
  });

  it('refuses a value that is not an http(s) URL, naming the variable', () => {
    for (const value of ['analytics.example.com', 'ftp://example.com']) {
      expect(() => loadConfig({ ...base, PUBLIC_BASE_URL: value })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, PUBLIC_BASE_URL: value })).toThrow(/^PUBLIC_BASE_URL: /);
    }
  });
});
