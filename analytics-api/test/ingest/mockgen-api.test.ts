import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliUsageError, type ParsedArgs } from '../../src/cli/command.js';
import { COMMITTED_MOCK_DATA_DIR, mockDataCommand } from '../../src/cli/commands/mock-data.js';
import { mapRecord } from '../../src/ingest/mappers/index.js';
import { readJsonArray } from '../../src/ingest/json-array-stream.js';
import { DEFECT_RATE, MOCK_TENANT_PROFILES, generateTenantData } from '../../src/mockgen/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'mockgen-api-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const [connectwise, autotask, halo] = MOCK_TENANT_PROFILES as [
  (typeof MOCK_TENANT_PROFILES)[number],
  (typeof MOCK_TENANT_PROFILES)[number],
  (typeof MOCK_TENANT_PROFILES)[number],
];

function args(positionals: string[], options: Record<string, string | true> = {}): ParsedArgs {
  return { positionals, options, json: false };
}

describe('generateTenantData', () => {
  it('creates exactly the requested number of tickets in the window, plus the backlog open at its start', () => {
    const data = generateTenantData(autotask, { tickets: 777, format: 'canonical', from: '2026-01-01', to: '2026-01-10' });
    const created = [...data.tickets].map((g) => g.record.created_at as string | undefined).filter((c): c is string => c !== undefined);
    // Europe/Paris: the window is 2025-12-31T23:00Z .. 2026-01-10T23:00Z.
    const inWindow = created.filter((c) => c >= '2025-12-31T23:00:00.000Z' && c < '2026-01-10T23:00:00.000Z');
    const defectsWithoutDate = [...data.tickets].filter((g) => g.defect === 'missing-created' || g.defect === 'unparseable-created').length;
    expect(inWindow.length + defectsWithoutDate).toBeGreaterThanOrEqual(777);
    expect(inWindow.length).toBeLessThanOrEqual(777);
    expect(created.length).toBeGreaterThan(inWindow.length); // the backlog
  });

  it('gives the same records every time it is iterated', () => {
    const data = generateTenantData(halo, { from: '2026-01-20', to: '2026-01-26' });
    const first = JSON.stringify([...data.time_entries]);
    expect(JSON.stringify([...data.time_entries])).toBe(first);
    expect(first.length).toBeGreaterThan(1000);
  });

  it('breaks about DEFECT_RATE of the records, each one rejected by its mapper', () => {
    const data = generateTenantData(connectwise, { tickets: 20_000 });
    let total = 0;
    let defects = 0;
    for (const { record, defect } of data.tickets) {
      total += 1;
      if (!defect) continue;
      defects += 1;
      expect(mapRecord('connectwise', 'tickets', record).ok).toBe(false);
    }
    expect(defects / total).toBeGreaterThan(DEFECT_RATE * 0.6);
    expect(defects / total).toBeLessThan(DEFECT_RATE * 1.4);
  }, 60_000);

  it('refuses bad options with a message naming the option', () => {
    expect(() => generateTenantData(connectwise, { from: '2026-02-30' })).toThrow('from must be a date YYYY-MM-DD, got "2026-02-30"');
    expect(() => generateTenantData(connectwise, { from: '2026-02-01', to: '2026-01-01' })).toThrow(
      'from (2026-02-01) is after to (2026-01-01)',
    );
    expect(() => generateTenantData(connectwise, { tickets: -1 })).toThrow('tickets must be a whole number >= 0, got -1');
  });
});

describe('mock-data command', () => {
  it('writes a streamed benchmark set where it is told, readable by the ingest reader', async () => {
    const out = join(tmp, 'bench');
    const result = await mockDataCommand.run(
      args(['generate'], { out, tickets: '400', tenant: halo.tenant.id, format: 'canonical', from: '2026-01-20', to: '2026-01-31' }),
    );
    expect(result.exitCode ?? 0).toBe(0);
    const tenants = JSON.parse(readFileSync(join(out, 'tenants.json'), 'utf8')) as { id: string; source: string }[];
    expect(tenants).toEqual([expect.objectContaining({ id: halo.tenant.id, source: 'canonical' })]);
    let valid = 0;
    for await (const record of await readJsonArray(join(out, halo.tenant.id, 'tickets.json'))) {
      if (mapRecord('canonical', 'tickets', record).ok) valid += 1;
    }
    expect(valid).toBeGreaterThanOrEqual(400 * 0.98);
    expect(result.json).toMatchObject({
      out,
      files: [expect.objectContaining({ file: `${halo.tenant.id}/tickets.json` }), expect.anything()],
    });
  }, 60_000);

  it('refuses to overwrite the committed set with custom options', async () => {
    await expect(mockDataCommand.run(args(['generate'], { tickets: '10' }))).rejects.toThrow(
      'custom options would overwrite the committed mock data: pass --out DIR (or --force)',
    );
    await expect(mockDataCommand.run(args(['generate'], { out: COMMITTED_MOCK_DATA_DIR, format: 'canonical' }))).rejects.toBeInstanceOf(
      CliUsageError,
    );
  });

  it.each([
    [[], {}, /^usage: mock-data generate/],
    [['generate'], { tickets: 'many', out: 'x' }, /--tickets must be a whole number, got "many"/],
    [['generate'], { format: 'csv', out: 'x' }, /--format must be native or canonical, got "csv"/],
    [['generate'], { tenant: '00000000-0000-4000-8000-000000000000', out: 'x' }, /unknown mock tenant 00000000-/],
    [['generate'], { from: '2026-13-01', out: 'x' }, /from must be a date YYYY-MM-DD/],
    [['generate'], { out: true }, /--out needs a value/],
    [['generate'], { colour: 'blue' }, /unknown option --colour/],
  ] as const)('rejects %j %j with a usage error', async (positionals, options, message) => {
    const run = mockDataCommand.run(args([...positionals], { ...options }));
    await expect(run).rejects.toBeInstanceOf(CliUsageError);
    await expect(mockDataCommand.run(args([...positionals], { ...options }))).rejects.toThrow(message);
    expect(existsSync(join(process.cwd(), 'x'))).toBe(false);
  });
});
