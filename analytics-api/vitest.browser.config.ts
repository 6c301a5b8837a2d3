import { defineConfig } from 'vitest/config';

// The browser suite: the built API (dist/) on real PostgreSQL, driven in Debian's headless Chromium.
// Run `npm run build` first; see test/browser/dashboard.test.ts and docs/dashboard.md.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
