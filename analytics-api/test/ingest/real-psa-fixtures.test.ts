/**
 * Issue #23, "done when": every payload that real PSA instances returned, kept outside the
 * repository in shared/fixtures/real-psa/ (third-party data: read here, never copied), pushed
 * through POST /internal/ingest/* with its source. No record may be rejected; records that are not
 * of the entity (HaloPSA actions that log no time) are counted as skipped.
 *
 * The folder is looked up beside the repository (`<repo>/../shared/fixtures/real-psa`, where CI
 * has it) or at REAL_PSA_FIXTURES; without it the test is skipped with the reason printed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/config/config.js';
import { createTenant } from '../../src/tenants/tenant-service.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const FIXTURES = process.env.REAL_PSA_FIXTURES ?? resolve(packageRoot, '..', '..', 'shared', 'fixtures', 'real-psa');
const PRESENT = existsSync(FIXTURES);
if (!PRESENT) console.warn(`real PSA fixtures not found at ${FIXTURES} (set REAL_PSA_FIXTURES): test skipped`);

const SOURCES = ['connectwise', 'autotask', 'halopsa'] as const;

/** `tickets.json`, `time_entries.djconnectwise.json`, `tickets.schema-example.json` → entity. */
function filesOf(source: string): { file: string; entity: 'tickets' | 'time_entries' }[] {
  const dir = join(FIXTURES, source);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, entity: file.startsWith('time_entries') ? ('time_entries' as const) : ('tickets' as const) }));
}

describe.skipIf(!PRESENT)('real PSA payloads through /internal/ingest/* (issue #23)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ INGEST_BODY_LIMIT_MB: '8' });
  });
  afterAll(() => t?.close());

  for (const source of SOURCES) {
    it(`${source}: every file is ingested without a rejection`, async () => {
      const tenantId = (await createTenant(t.ctx.db, { name: `Real ${source}`, timezone: 'UTC', source })).id;
      const files = filesOf(source);
      expect(files.length).toBeGreaterThan(0);
      // Tickets first, so the time entries of the same tenant find them.
      files.sort((a, b) => (a.entity === b.entity ? 0 : a.entity === 'tickets' ? -1 : 1));
      for (const { file, entity } of files) {
        const body = readFileSync(join(FIXTURES, source, file), 'utf8');
        const res = await t.app.inject({
          method: 'POST',
          url: `/internal/ingest/${entity}?tenant_id=${tenantId}&source=${source}`,
          headers: { ...t.internalHeaders, 'content-type': 'application/json' },
          payload: body,
        });
        expect(res.statusCode, `${source}/${file}: ${res.body}`).toBe(200);
        const summary = res.json();
        console.log(
          `${source}/${file}: received ${summary.received}, inserted ${summary.inserted}, updated ${summary.updated}, ` +
            `unchanged ${summary.unchanged}, skipped ${summary.skipped}, rejected ${summary.rejected}, warnings ${summary.warnings.length}`,
        );
        for (const w of summary.warnings) console.log(`  warning #${w.index} (${w.external_id}): ${w.detail}`);
        expect(summary.errors, `${source}/${file}`).toEqual([]);
        expect(summary.rejected).toBe(0);
        expect(summary.inserted + summary.updated + summary.unchanged + summary.skipped).toBe(summary.received);
      }
    });
  }
});
