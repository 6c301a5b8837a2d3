// ESLint flat config: typescript-eslint's recommended rules on the TypeScript sources and tests.
// Type-aware rules are left out: they need a full type check per run, which `npm run typecheck` does.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.data/**',
      'analytics-api/exports/**',
      'analytics-api/bench/data/**',
      'analytics-api/bench/out/**',
      'analytics-api/test-artifacts/**',
      'n8n/.runtime/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The .mjs scripts run on Node; TypeScript files get their globals from @types/node and the DOM lib.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'console',
          'process',
          'URL',
          'URLSearchParams',
          'Buffer',
          'fetch',
          'AbortSignal',
          'AbortController',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'TextDecoder',
          'TextEncoder',
          'structuredClone',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A best-effort cleanup (removing a temp file, killing a process that may be gone) ignores its failure.
      'no-empty': ['error', { allowEmptyCatch: true }],
      // It flags the `let byte = 0` the hand-written byte scanners declare before their loops on purpose.
      'no-useless-assignment': 'off',
    },
  },
);
