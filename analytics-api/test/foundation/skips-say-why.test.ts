import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/config/config.js';

/** Every suite skipped on PGlite gives its reason in its title (postgresOnly), so the skip lines say why. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

describe('suites skipped on PGlite', () => {
  it('name their reason', () => {
    const silent: string[] = [];
    for (const file of testFiles(join(packageRoot, 'test'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/(describe|it)\.skipIf\(!onPostgres\)\(([^,]*),/g)) {
        if (!match[2]!.trimStart().startsWith('postgresOnly(')) silent.push(`${relative(packageRoot, file)}: ${match[2]}`);
      }
    }
    expect(silent).toEqual([]);
  });
});
