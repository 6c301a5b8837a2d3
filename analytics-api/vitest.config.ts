import { defineConfig } from 'vitest/config';

// The suite runs against real PostgreSQL when TEST_DATABASE_URL is set (a fresh database per test
// file), and against embedded PGlite otherwise (a migrated snapshot loaded per file).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
