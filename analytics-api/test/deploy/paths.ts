import { fileURLToPath } from 'node:url';

/** The repository root and the analytics-api package, from this file. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const packageDir = fileURLToPath(new URL('../../', import.meta.url));
