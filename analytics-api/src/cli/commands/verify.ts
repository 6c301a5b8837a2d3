import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { stringOption, userPath } from '../args.js';
import { CliUsageError, type CliCommand, type ParsedArgs } from '../command.js';
import { maskDatabaseUrl, maskSecret } from '../../verify/mask.js';
import { isCalendarDate } from '../../kpi/dates.js';
import { isUuid } from '../../tenants/tenant-id.js';
import { runVerify } from '../../verify/run-verify.js';
import { STEP_TITLES, type VerifyOptions } from '../../verify/types.js';

export const DEFAULT_TENANT = '550e8400-e29b-41d4-a716-446655440000';
export const DEFAULT_DATE = '2026-01-24';

/** Exit code of a BLOCKED verdict (1 stays for usage errors and crashes). */
const BLOCKED_EXIT_CODE = 2;

function option(args: ParsedArgs, name: string): string | undefined {
  if (args.options[name] === true) throw new CliUsageError(`--${name} needs a value`);
  return stringOption(args, name);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * The embedded quick start's token and key (DATA_DIR/quickstart.json), when it is the configured
 * database: `verify` against `npm start` then needs no credentials typed. Nothing when absent.
 */
function quickStartCredentials(env: NodeJS.ProcessEnv): { service_token?: string; api_key?: string } {
  try {
    const config = loadConfig(env, 'cli');
    if (config.databaseUrl) return {};
    return JSON.parse(readFileSync(join(config.dataDir, 'quickstart.json'), 'utf8')) as { service_token?: string; api_key?: string };
  } catch {
    return {};
  }
}

/**
 * Said before the checks run, when the API answers on the embedded database: the plan's proofs need
 * PostgreSQL, so the verdict is BLOCKED by design there, whatever else passes.
 */
const EMBEDDED_NOTE =
  'note: this API runs on its embedded database (the quick start): the verdict will be BLOCKED by design — the ' +
  "deployment plan's proofs need PostgreSQL (DATABASE_URL in the API, --database-url here). The other checks still run and are recorded.";

/** GET /health says `database_backend: pglite` (false when it does not answer: the checks will say why). */
async function answersOnEmbeddedDatabase(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
    return ((await res.json()) as { database_backend?: string }).database_backend === 'pglite';
  } catch {
    return false;
  }
}

export function verifyOptionsFromArgs(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): VerifyOptions {
  const rawBase = option(args, 'base-url');
  if (!rawBase) throw new CliUsageError('--base-url is required, e.g. --base-url http://analytics-api:8000');
  let base: URL;
  try {
    base = new URL(rawBase);
  } catch {
    throw new CliUsageError(`--base-url is not a URL: ${rawBase}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CliUsageError('--base-url must start with http:// or https://');
  const outDir = option(args, 'out');
  if (!outDir) throw new CliUsageError('--out DIR is required (e.g. --out proofs/DEPLOY-MVP-COOLIFY)');

  const tenantId = option(args, 'tenant') ?? DEFAULT_TENANT;
  if (!isUuid(tenantId)) throw new CliUsageError(`--tenant must be a UUID, got "${tenantId}"`);
  const date = option(args, 'date') ?? DEFAULT_DATE;
  if (!isCalendarDate(date)) throw new CliUsageError(`--date must be YYYY-MM-DD, got "${date}"`);

  const databaseUrl = nonEmpty(option(args, 'database-url') ?? env['DATABASE_URL']);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new CliUsageError('--database-url must start with postgresql:// (value not shown)');
  const timeoutRaw = option(args, 'timeout-ms');
  const timeoutMs = timeoutRaw === undefined ? 120_000 : Number(timeoutRaw);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1_000)
    throw new CliUsageError('--timeout-ms must be a whole number of milliseconds ≥ 1000');

  let serviceToken = nonEmpty(option(args, 'service-token') ?? env['SERVICE_TOKEN']);
  let apiKey = nonEmpty(option(args, 'api-key') ?? env['TENANT_API_KEY']);
  if (!serviceToken || !apiKey) {
    const saved = quickStartCredentials(env);
    serviceToken ??= nonEmpty(saved.service_token);
    apiKey ??= nonEmpty(saved.api_key);
  }
  const options: VerifyOptions = {
    baseUrl: base.toString().replace(/\/+$/, ''),
    serviceToken,
    apiKey,
    databaseUrl,
    tenantId: tenantId.toLowerCase(),
    date,
    outDir: userPath(outDir, env),
    exportsDir: option(args, 'exports-dir'),
    timeoutMs,
    invocation: '',
  };
  options.invocation = [
    'node dist/cli.js verify',
    `--base-url ${options.baseUrl}`,
    options.serviceToken ? `--service-token ${maskSecret(options.serviceToken)}` : '',
    options.apiKey ? `--api-key ${maskSecret(options.apiKey)}` : '',
    options.databaseUrl ? `--database-url ${maskDatabaseUrl(options.databaseUrl)}` : '',
    `--tenant ${options.tenantId}`,
    `--date ${options.date}`,
    options.exportsDir ? `--exports-dir ${options.exportsDir}` : '',
    `--out ${outDir}`,
  ]
    .filter(Boolean)
    .join(' ');
  return options;
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  usage:
    'verify --base-url URL [--service-token T] [--api-key K] [--database-url U] [--tenant ID] [--date D] [--exports-dir DIR] --out DIR',
  summary:
    "run the Coolify deployment plan's checks (network, variables, volumes, migrations/seed, API tests) and write its proofs folder; exit 0 on PASS, 2 on BLOCKED",
  async run(args) {
    const options = verifyOptionsFromArgs(args);
    if (!args.json && (await answersOnEmbeddedDatabase(options.baseUrl))) process.stderr.write(`${EMBEDDED_NOTE}\n`);
    const report = await runVerify(options);
    const lines = [`verify: ${report.verdict}`];
    for (const check of report.checks) {
      if (check.outcome === 'fail')
        lines.push(`  BLOCKED (${check.category}) — ${STEP_TITLES[check.step].split(' — ')[0]}: ${check.title}: ${check.detail}`);
    }
    const counts = ['pass', 'fail', 'skip', 'info'].map((o) => `${report.checks.filter((c) => c.outcome === o).length} ${o}`).join(', ');
    lines.push(`  checks: ${counts}`, `  proofs: ${report.outDir} (${report.files.length} files; verdict in 40_verdict.md)`);
    return { text: lines.join('\n'), json: report, exitCode: report.verdict === 'PASS' ? 0 : BLOCKED_EXIT_CODE };
  },
};
