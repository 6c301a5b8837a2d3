// `npm test`: the whole suite on embedded PostgreSQL (PGlite), then — when TEST_DATABASE_URL is
// set — the same suite on that real PostgreSQL. Exits non-zero if either run fails.
import { spawnSync } from 'node:child_process';

const extra = process.argv.slice(2);
const runs = [{ name: 'PGlite (embedded PostgreSQL 18)', env: { TEST_DATABASE_URL: '' } }];
if (process.env.TEST_DATABASE_URL) {
  runs.unshift({ name: `PostgreSQL at ${new URL(process.env.TEST_DATABASE_URL).host}`, env: {} });
} else {
  console.log('TEST_DATABASE_URL is not set: running on the embedded database only.');
}

let failed = 0;
for (const run of runs) {
  console.log(`\n=== test suite on ${run.name} ===`);
  const result = spawnSync('npx', ['vitest', 'run', ...extra], { stdio: 'inherit', env: { ...process.env, ...run.env } });
  if (result.status !== 0) failed += 1;
}
console.log(`\n${runs.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
