/** `verify`'s arguments, and the masking that keeps secrets out of the proofs. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { CliUsageError } from '../../src/cli/command.js';
import { DEFAULT_DATE, DEFAULT_TENANT, verifyOptionsFromArgs } from '../../src/cli/commands/verify.js';
import { formatTable } from '../../src/verify/db-probe.js';
import { exportedFiles } from '../../src/verify/api-checks.js';
import { curlEquivalent } from '../../src/verify/http-probe.js';
import { maskDatabaseUrl, maskSecret, Redactor } from '../../src/verify/mask.js';

const options = (argv: string[], env: NodeJS.ProcessEnv = {}) => verifyOptionsFromArgs(parseArgs(argv), env);

describe('verify options', () => {
  it('resolves a relative --out against the folder the command was typed in (INIT_CWD, set by npm)', () => {
    expect(options(['--base-url', 'http://x', '--out', 'proofs/p'], { INIT_CWD: '/srv/checkout' }).outDir).toBe('/srv/checkout/proofs/p');
    expect(options(['--base-url', 'http://x', '--out', '/abs/p'], { INIT_CWD: '/srv/checkout' }).outDir).toBe('/abs/p');
  });

  it("reads the token and the key from the quick start's quickstart.json when none is given", () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'verify-qs-'));
    writeFileSync(
      join(dataDir, 'quickstart.json'),
      JSON.stringify({ service_token: 'S'.repeat(43), api_key: 'msk_saved', tenant_id: DEFAULT_TENANT }),
    );
    const o = options(['--base-url', 'http://x', '--out', 'p'], { DATA_DIR: dataDir });
    expect(o).toMatchObject({ serviceToken: 'S'.repeat(43), apiKey: 'msk_saved' });
    // Given values win; with DATABASE_URL the file is not the configured database's and is not read.
    expect(options(['--base-url', 'http://x', '--out', 'p', '--api-key', 'msk_typed'], { DATA_DIR: dataDir }).apiKey).toBe('msk_typed');
    const pg = options(['--base-url', 'http://x', '--out', 'p'], {
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://u@h/db',
      SERVICE_TOKEN: 'T'.repeat(40),
    });
    expect(pg.apiKey).toBeUndefined();
  });

  it('needs --base-url and --out, and defaults the tenant and the date of the plan', () => {
    expect(() => options(['--out', 'p'])).toThrow(CliUsageError);
    expect(() => options(['--base-url', 'http://analytics-api:8000'])).toThrow(/--out/);
    expect(() => options(['--base-url', '--out', 'p'])).toThrow(/--base-url needs a value/);
    const o = options(['--base-url', 'http://analytics-api:8000/', '--out', 'p']);
    expect(o.baseUrl).toBe('http://analytics-api:8000');
    expect(o.tenantId).toBe(DEFAULT_TENANT);
    expect(o.date).toBe(DEFAULT_DATE);
    expect(o.serviceToken).toBeUndefined();
  });

  it('refuses a bad URL, tenant, date or database URL without echoing the value of a secret', () => {
    expect(() => options(['--base-url', 'ftp://x', '--out', 'p'])).toThrow(/http/);
    expect(() => options(['--base-url', 'http://x', '--tenant', 'acme', '--out', 'p'])).toThrow(/UUID/);
    expect(() => options(['--base-url', 'http://x', '--date', '2026-13-45', '--out', 'p'])).toThrow(/YYYY-MM-DD/);
    expect(() => options(['--base-url', 'http://x', '--database-url', 'mysql://u:hunter22secret@h/db', '--out', 'p'])).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter22secret') }),
    );
  });

  it('takes the token, the database URL and the API key from the environment, and masks them in the invocation', () => {
    const token = 'T'.repeat(48);
    const o = options(['--base-url', 'http://x:8000', '--out', 'p'], {
      SERVICE_TOKEN: token,
      DATABASE_URL: 'postgresql://app:s3cr3t-password@analytics-db:5432/msp_analytics',
      TENANT_API_KEY: 'msk_abc_0123456789abcdef0123456789',
    });
    expect(o.serviceToken).toBe(token);
    expect(o.databaseUrl).toContain('analytics-db');
    expect(o.apiKey).toMatch(/^msk_/);
    expect(o.invocation).not.toContain(token);
    expect(o.invocation).not.toContain('s3cr3t-password');
    expect(o.invocation).not.toContain('0123456789abcdef');
    expect(o.invocation).toContain('TTTT…(48 chars)');
    // An option wins over the environment.
    expect(
      options(['--base-url', 'http://x', '--service-token', 'U'.repeat(40), '--out', 'p'], { SERVICE_TOKEN: token }).serviceToken,
    ).toBe('U'.repeat(40));
  });
});

describe('masking', () => {
  it('shows a prefix of long secrets only, and the length', () => {
    expect(maskSecret('abcd'.repeat(12))).toBe('abcd…(48 chars)');
    expect(maskSecret('short-secret')).toBe('…(12 chars)');
  });

  it('masks the password of a database URL and keeps the rest', () => {
    expect(maskDatabaseUrl('postgresql://user:p%40ss-word-1234@analytics-db:5432/msp_analytics')).toBe(
      'postgresql://user:…(14 chars)@analytics-db:5432/msp_analytics',
    );
    expect(maskDatabaseUrl('postgresql://user@h/db')).toBe('postgresql://user@h/db');
  });

  it('redacts every registered secret, encoded or not, in any text', () => {
    const r = new Redactor();
    const token = 'tok_'.padEnd(40, 'z');
    r.add(token);
    r.addDatabaseUrl('postgresql://u:p@ss/w0rd!@db:5432/x'.replace('p@ss/w0rd!', encodeURIComponent('p@ss/w0rd!')));
    const text = `Bearer ${token} then postgresql://u:${encodeURIComponent('p@ss/w0rd!')}@db:5432/x and p@ss/w0rd! alone`;
    const out = r.redact(text);
    expect(out).not.toContain(token);
    expect(out).not.toContain('p@ss/w0rd!');
    expect(out).not.toContain(encodeURIComponent('p@ss/w0rd!'));
    expect(out).toContain('tok_…(40 chars)');
  });
});

describe('proof formatting', () => {
  it('writes curl equivalents with the secrets as shell variables', () => {
    const curl = curlEquivalent(
      {
        method: 'POST',
        url: 'http://analytics-api:8000/internal/ingest/tickets?tenant_id=1',
        headers: { authorization: 'Bearer real-token' },
        timeoutMs: 1000,
      },
      { authorization: 'Bearer $SERVICE_TOKEN' },
    );
    expect(curl).toBe(
      'curl -sS -i -X POST -H "authorization: Bearer $SERVICE_TOKEN" "http://analytics-api:8000/internal/ingest/tickets?tenant_id=1"',
    );
  });

  it('reads the files of POST /internal/exports/generate', () => {
    const body = {
      generated_at: '2026-01-25T00:00:00Z',
      exports: [
        {
          tenant_id: 't',
          path: '/app/exports/t/current',
          files: [
            { name: 'fact_tickets.csv', rows: 3 },
            { name: 'fact_tickets.parquet', rows: 3 },
          ],
        },
      ],
    };
    expect(exportedFiles(body)).toEqual(['/app/exports/t/current/fact_tickets.csv', '/app/exports/t/current/fact_tickets.parquet']);
    expect(exportedFiles({ files: ['a.csv', { path: '/x/b.csv' }] })).toEqual(['a.csv', '/x/b.csv']);
    expect(exportedFiles({ status: 'ok' })).toEqual([]);
  });

  it('prints query results the way psql does', () => {
    expect(
      formatTable({
        fields: ['id', 'name'],
        rows: [
          ['1', 'Acme'],
          ['22', 'B'],
        ],
      }),
    ).toBe([' id | name', '----+------', ' 1  | Acme', ' 22 | B', '(2 rows)'].join('\n'));
  });
});
