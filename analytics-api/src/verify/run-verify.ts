/**
 * Runs the deployment plan's checks from where verify stands and writes the proofs folder.
 * Order: ÉTAPE 1 (network, /health) → 2–3 (/health checks, /ready) → 4 (database) → 5 (API calls)
 * → 7 (the API's work in the database). A blocked network skips what needs the API.
 */
import { checkApi } from './api-checks.js';
import { checkDatabase, checkIngestedData } from './database-checks.js';
import { checkHealthDetails } from './health-checks.js';
import { Redactor } from './mask.js';
import { checkNetwork } from './network-checks.js';
import { blockedReasons, writeProofs } from './proofs.js';
import { Recorder } from './recorder.js';
import type { VerifyOptions, VerifyReport } from './types.js';

export async function runVerify(options: VerifyOptions): Promise<VerifyReport> {
  const redactor = new Redactor();
  redactor.add(options.serviceToken);
  redactor.add(options.apiKey);
  redactor.addDatabaseUrl(options.databaseUrl);
  const rec = new Recorder(redactor);
  const startedAt = new Date().toISOString();

  const health = await checkNetwork(rec, options);
  if (health) await checkHealthDetails(rec, options, health);
  else {
    rec.check({
      step: 2,
      id: 'health.checks',
      title: 'variables and volumes through /health',
      outcome: 'skip',
      detail: 'the API did not answer /health (ÉTAPE 1)',
    });
  }

  const database = options.databaseUrl ? await checkDatabase(rec, options) : undefined;
  if (!options.databaseUrl) {
    rec.check({
      step: 4,
      id: 'db',
      title: 'tables, migrations, tenants and API keys',
      outcome: 'skip',
      detail: 'no --database-url / DATABASE_URL: run verify with it to check ÉTAPE 4 and the data of ÉTAPE 7',
    });
  }

  try {
    if (health) {
      const evidence = await checkApi(rec, options, health);
      if (database) await checkIngestedData(rec, options, database, evidence);
    } else {
      rec.check({ step: 5, id: 'api', title: 'API tests', outcome: 'skip', detail: 'not sent: the API did not answer /health (ÉTAPE 1)' });
    }
  } finally {
    await database?.probe.close();
  }

  rec.check({ step: 6, id: 'n8n.credentials', title: 'n8n Header Auth credential', outcome: 'skip', detail: 'manual: see the checklist' });
  const blocked = blockedReasons(rec.checks);
  const report: VerifyReport = {
    verdict: blocked.length === 0 ? 'PASS' : 'BLOCKED',
    startedAt,
    finishedAt: new Date().toISOString(),
    baseUrl: options.baseUrl,
    tenantId: options.tenantId,
    date: options.date,
    checks: rec.checks.map((check) => ({ ...check, detail: redactor.redact(check.detail) })),
    blocked: blocked.map((entry) => ({ ...entry, reasons: entry.reasons.map((reason) => redactor.redact(reason)) })),
    outDir: options.outDir,
    files: [],
  };
  report.files = await writeProofs(rec, options, report);
  return report;
}
