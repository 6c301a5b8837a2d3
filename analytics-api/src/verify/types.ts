/**
 * Shapes shared by the `verify` checks: one Check per thing the deployment plan asks to verify,
 * grouped by ÉTAPE, each failed one carrying the plan's BLOCKED category.
 */

/**
 * The plan's BLOCKED reasons (network, authentication, database connection, volumes, migrations),
 * plus two for what the plan does not name: `configuration` (a variable of ÉTAPE 2 with a value the
 * plan does not allow, e.g. MOCK_MODE=false) and `api` (a route answered something else than the
 * contract says, with no deployment cause visible).
 */
export type BlockCategory = 'network' | 'authentication' | 'database connection' | 'volumes' | 'migrations' | 'configuration' | 'api';

export const CATEGORY_ORDER: BlockCategory[] = [
  'network',
  'authentication',
  'database connection',
  'volumes',
  'migrations',
  'configuration',
  'api',
];

/** pass / fail (blocks the verdict) / skip (not run, says why) / info (recorded, never blocks). */
export type Outcome = 'pass' | 'fail' | 'skip' | 'info';

export type Step = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const STEP_TITLES: Record<Step, string> = {
  1: 'ÉTAPE 1 — Réseau (network)',
  2: 'ÉTAPE 2 — Variables & secrets',
  3: 'ÉTAPE 3 — Volumes',
  4: 'ÉTAPE 4 — Migrations + seed',
  5: 'ÉTAPE 5 — Tests API',
  6: 'ÉTAPE 6 — n8n credentials',
  7: 'ÉTAPE 7 — Données ingérées / KPIs (DB side of the workflows)',
};

export interface Check {
  step: Step;
  /** Stable identifier, e.g. `health`, `api.ingest_tickets`. */
  id: string;
  title: string;
  outcome: Outcome;
  /** Set when outcome is `fail`. */
  category?: BlockCategory;
  detail: string;
  /** What to do about a failure. */
  fix?: string;
}

export interface VerifyOptions {
  baseUrl: string;
  serviceToken?: string;
  apiKey?: string;
  databaseUrl?: string;
  tenantId: string;
  date: string;
  outDir: string;
  /** When the exports folder is visible from where verify runs: check the written files there. */
  exportsDir?: string;
  /** Timeout of each HTTP call, in ms. */
  timeoutMs: number;
  /** How verify was invoked, secrets already masked (for 10_commands.md). */
  invocation: string;
}

export interface VerifyReport {
  verdict: 'PASS' | 'BLOCKED';
  startedAt: string;
  finishedAt: string;
  baseUrl: string;
  tenantId: string;
  date: string;
  checks: Check[];
  /** One entry per category that has at least one failed check. */
  blocked: { category: BlockCategory; reasons: string[] }[];
  outDir: string;
  files: string[];
}
