/** Writes the proofs folder in the plan's layout; every text goes through the run's Redactor. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANUAL_PROOFS, planMarkdown } from './plan.js';
import type { OutputFile, Recorder } from './recorder.js';
import { CATEGORY_ORDER, STEP_TITLES, type Check, type Step, type VerifyOptions, type VerifyReport } from './types.js';

const MARK: Record<Check['outcome'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', info: 'INFO' };

export function blockedReasons(checks: Check[]): VerifyReport['blocked'] {
  return CATEGORY_ORDER.map((category) => ({
    category,
    reasons: checks.filter((c) => c.outcome === 'fail' && c.category === category).map((c) => `${c.title}: ${c.detail}`),
  })).filter((entry) => entry.reasons.length > 0);
}

function commandsMarkdown(rec: Recorder, options: VerifyOptions): string {
  const lines = [
    '# Commands',
    '',
    'Every command `verify` ran, as the curl / psql / shell equivalent an operator can replay. Secrets appear as',
    'shell variables; their values are never written here.',
    '',
    '```bash',
    `# ${options.invocation}`,
    `BASE_URL=${options.baseUrl}`,
    `SERVICE_TOKEN=...   # ${options.serviceToken ? rec.redactor.redact(options.serviceToken) : 'not given'}`,
    `TENANT_API_KEY=...  # ${options.apiKey ? rec.redactor.redact(options.apiKey) : 'not given'}`,
    `DATABASE_URL=...    # ${options.databaseUrl ? rec.redactor.redact(options.databaseUrl) : 'not given'}`,
    '```',
    '',
  ];
  for (const step of [1, 2, 3, 4, 5, 6, 7] as Step[]) {
    const entries = rec.commands.filter((c) => c.step === step);
    if (entries.length === 0) continue;
    lines.push(`## ${STEP_TITLES[step]}`, '');
    for (const entry of entries) lines.push(`- ${entry.what}`, '  ```bash', `  ${entry.command}`, '  ```');
    lines.push('');
  }
  lines.push(
    '## By hand (not run by verify)',
    '',
    '```bash',
    '# ÉTAPE 1, from the n8n container (Coolify › n8n › Terminal):',
    'wget -qO- http://analytics-api:8000/health',
    '# ÉTAPE 4, in the analytics-api container (Coolify › analytics-api › Terminal):',
    'node dist/cli.js migrate        # only if RUN_MIGRATIONS=false',
    'node dist/cli.js seed-mock      # prints each new API key once',
    '# ÉTAPE 7, in the analytics-api container:',
    'ls -l /app/exports',
    '```',
    '',
  );
  return rec.redactor.redact(lines.join('\n'));
}

function verdictMarkdown(rec: Recorder, report: VerifyReport): string {
  const lines = [`# Verdict: ${report.verdict}`, ''];
  if (report.verdict === 'PASS') {
    lines.push(
      'Every automated check of the plan passed (see the table). The deployment is PASS once the manual proofs below are added.',
      '',
    );
  } else {
    lines.push("BLOCKED — reasons, by the plan's categories:", '');
    for (const entry of report.blocked) {
      lines.push(`- **${entry.category}**`);
      for (const reason of entry.reasons) lines.push(`  - ${reason}`);
    }
    lines.push('', '## How to unblock', '');
    for (const check of rec.failed()) if (check.fix) lines.push(`- ${check.title} (${check.category}): ${check.fix}`);
    lines.push('', 'Then run verify again. The table of fixes is in docs/deploy-coolify.md (Troubleshooting).', '');
  }
  lines.push(
    `Run from ${report.startedAt} to ${report.finishedAt} against ${report.baseUrl}, tenant ${report.tenantId}, date ${report.date}.`,
    '',
  );
  lines.push('## Checks', '', '| step | check | result | category | detail |', '|---|---|---|---|---|');
  // By step; within a step, in the order they ran (Array.prototype.sort is stable).
  for (const check of [...rec.checks].sort((a, b) => a.step - b.step)) {
    const detail = check.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    lines.push(`| ${check.step} | ${check.title.replace(/\|/g, '\\|')} | ${MARK[check.outcome]} | ${check.category ?? ''} | ${detail} |`);
  }
  lines.push('', '## Manual proofs (only a person can capture these)', '');
  for (const proof of MANUAL_PROOFS) lines.push(`- [ ] ${proof.step} — \`${proof.file}\`: ${proof.what}`);
  lines.push('', 'Mask every secret in screenshots and exports (tokens, passwords, API keys).', '');
  return rec.redactor.redact(lines.join('\n'));
}

/** Writes the folder and returns the files written, relative to it. */
export async function writeProofs(rec: Recorder, options: VerifyOptions, report: VerifyReport): Promise<string[]> {
  const outputs = join(options.outDir, '20_outputs');
  await mkdir(outputs, { recursive: true });
  const written: string[] = [];
  const put = async (relative: string, text: string) => {
    await writeFile(join(options.outDir, relative), text, { mode: 0o644 });
    written.push(relative);
  };
  await put('00_plan.md', rec.redactor.redact(planMarkdown(options, report.startedAt)));
  await put('10_commands.md', commandsMarkdown(rec, options));
  const files: OutputFile[] = ['network_verification.txt', 'api_tests.txt'];
  if (options.databaseUrl) files.push('migration_output.txt', 'seed_output.txt', 'db_verification.txt');
  for (const file of files) await put(`20_outputs/${file}`, rec.output(file) ?? '(nothing recorded: see 40_verdict.md)\n');
  await put('40_verdict.md', verdictMarkdown(rec, report));
  return written;
}
