import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MOCK_TENANT_PROFILES, writeMockData } from '../../src/mockgen/index.js';

const committedDir = fileURLToPath(new URL('../../mock-data', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'mockgen-determinism-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every generated file (README.md is written by hand) with its sha256, by relative path. */
function hashes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name !== 'README.md') out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return out;
}

describe('the committed mock data', () => {
  it('is exactly what the generator writes with the default options', async () => {
    const outDir = join(tmp, 'regenerated');
    await writeMockData({ outDir });
    const committed = hashes(committedDir);
    expect(Object.keys(committed)).toEqual(
      [
        'manifest.json',
        'tenants.json',
        ...MOCK_TENANT_PROFILES.flatMap((p) => [`${p.tenant.id}/tickets.json`, `${p.tenant.id}/time_entries.json`]).sort(),
      ].sort(),
    );
    // If this fails after a deliberate generator change, regenerate (see src/mockgen/index.ts).
    expect(hashes(outDir)).toEqual(committed);
  }, 120_000);

  it('changes when the seed changes', async () => {
    const outDir = join(tmp, 'other-seed');
    const [profile] = MOCK_TENANT_PROFILES;
    await writeMockData({ outDir, seed: 'another seed', tenantIds: [profile!.tenant.id] });
    const file = `${profile!.tenant.id}/tickets.json`;
    expect(hashes(outDir)[file]).not.toBe(hashes(committedDir)[file]);
  }, 120_000);
});
