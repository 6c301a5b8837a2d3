/**
 * `npm run bench [-- --quick]`: measures each hot path of the service against its physical
 * reference, side by side in the same run, on real PostgreSQL (DATABASE_URL is the admin URL from
 * which fresh databases are created and dropped). Prints the table on stdout, progress on stderr,
 * and writes bench/out/results.json. See docs/benchmarks.md.
 *
 * Options:
 *   --quick          small version of every row (CI): a few minutes
 *   --only a,b       run only these groups: ingest, large (memory, KPI, API, export), quick-start, recompute, sync (PSA sync),
 *                    nightly (200 small tenants' nightly cycle on two API replicas);
 *                    incremental-export (the nightly export after a day of changes against a full one);
 *                    api (the public API rows alone, on a small tenant: not part of a full run)
 *   --cpu-prof       write CPU profiles of the service processes to bench/out/profiles/
 *   --explain        write EXPLAIN (ANALYZE, BUFFERS) of the KPI statement to bench/out/explain-*.txt
 *   --regenerate     regenerate the mock data instead of reusing bench/data/
 *   --no-build       use dist/ as it is (default: `npm run build` first)
 *
 * Exit status: 0 when every row ran, whether or not its target holds; 1 when a row could not run
 * (an error) or the harness itself failed.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distMain, ensureDir, log, now, outRoot, packageRoot, runCommand } from './lib/common.js';
import { FULL, QUICK, type BenchContext } from './lib/context.js';
import { ensureDataset } from './lib/dataset.js';
import { adminUrl, dropAllDatabases, serverVersion } from './lib/pg.js';
import { machineInfo, renderNotes, renderTable, writeJson, type ResultRow, type RunReport } from './lib/report.js';
import { ingestRows } from './rows/ingest.js';
import { apiRows, largeRows } from './rows/large.js';
import { nightlyRows } from './rows/nightly.js';
import { incrementalExportRows } from './rows/incremental-export.js';
import { quickStartRows } from './rows/quick-start.js';
import { recomputeRows } from './rows/recompute.js';
import { syncRows } from './rows/sync.js';

const GROUPS = ['ingest', 'large', 'api', 'quick-start', 'recompute', 'sync', 'incremental-export', 'nightly'] as const;
type Group = (typeof GROUPS)[number];

interface Options {
  quick: boolean;
  explain: boolean;
  only: Set<Group>;
  cpuProf: boolean;
  regenerate: boolean;
  build: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    quick: false,
    explain: false,
    only: new Set(GROUPS.filter((g) => g !== 'api')),
    cpuProf: false,
    regenerate: false,
    build: true,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--cpu-prof') options.cpuProf = true;
    else if (arg === '--explain') options.explain = true;
    else if (arg === '--regenerate') options.regenerate = true;
    else if (arg === '--no-build') options.build = false;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice('--only='.length) : (argv[++i] ?? '');
      const groups = value
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
      for (const g of groups)
        if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`--only: unknown group "${g}" (${GROUPS.join(', ')})`);
      options.only = new Set(groups as Group[]);
    } else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const t0 = now();
  const sizes = options.quick ? QUICK : FULL;
  ensureDir(outRoot);
  const scratch = join(outRoot, 'run');
  rmSync(scratch, { recursive: true, force: true });
  ensureDir(scratch);

  const safeUrl = new URL(adminUrl);
  safeUrl.password = safeUrl.password ? '***' : '';
  log(`mode ${options.quick ? 'quick' : 'full'}; admin database ${safeUrl.toString()}`);
  const postgres = await serverVersion();

  if (options.build) {
    log('building dist/ (npm run build)');
    await runCommand('npm', ['run', '--silent', 'build'], { cwd: packageRoot });
  } else if (!existsSync(distMain)) {
    throw new Error('dist/main.js is missing: run `npm run build` or drop --no-build');
  }

  const needsData = options.only.has('ingest') || options.only.has('large') || options.only.has('api') || options.only.has('recompute');
  const dataset = needsData ? await ensureDataset(sizes.largeTickets, sizes.smallTickets, options.regenerate) : undefined;
  const ctx: BenchContext = { quick: options.quick, sizes, cpuProf: options.cpuProf, explain: options.explain, dataset: dataset!, scratch };

  const rows: ResultRow[] = [];
  const cleanup = async () => {
    await dropAllDatabases();
  };
  process.once('SIGINT', () => {
    log('interrupted: dropping the bench databases');
    void cleanup().finally(() => process.exit(130));
  });
  try {
    if (options.only.has('ingest')) rows.push(...(await ingestRows(ctx)));
    if (options.only.has('large')) rows.push(...(await largeRows(ctx)));
    if (options.only.has('api')) rows.push(...(await apiRows(ctx)));
    if (options.only.has('quick-start')) rows.push(...(await quickStartRows(ctx)));
    if (options.only.has('recompute')) rows.push(...(await recomputeRows(ctx)));
    if (options.only.has('sync')) rows.push(...(await syncRows(ctx)));
    if (options.only.has('nightly')) rows.push(...(await nightlyRows(ctx)));
    if (options.only.has('incremental-export')) rows.push(...(await incrementalExportRows(ctx)));
  } finally {
    await cleanup();
  }

  const finishedAt = new Date();
  const report: RunReport = {
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_s: Math.round((now() - t0) / 100) / 10,
    mode: options.quick ? 'quick' : 'full',
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: machineInfo(postgres),
    sizes: {
      ...sizes,
      large_tenant_tickets: dataset?.large.ticketCount ?? 0,
      large_tenant_time_entries: dataset?.large.timeEntryCount ?? 0,
      small_tenant_tickets: dataset?.small.ticketCount ?? 0,
      small_tenant_time_entries: dataset?.small.timeEntryCount ?? 0,
    },
    rows,
  };
  const jsonFile = join(outRoot, 'results.json');
  writeJson(jsonFile, report);
  const table = renderTable(rows);
  const notes = renderNotes(rows);
  writeFileSync(join(outRoot, 'results.md'), `${table}\n\n${notes}\n`);
  process.stdout.write(`\n${table}\n\n${notes}\n\n`);
  const m = report.machine;
  process.stdout.write(
    `${report.mode} run in ${report.duration_s} s on ${m.nproc} × ${m.cpu_model}, ${m.memory_gb} GB, PostgreSQL ${m.postgres}, Node ${m.node}; ` +
      `results in ${jsonFile}\n`,
  );
  const errors = rows.filter((row) => row.verdict === 'error');
  if (errors.length > 0) {
    process.stderr.write(`${errors.length} row(s) could not run: ${errors.map((r) => r.id).join(', ')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await dropAllDatabases().catch(() => undefined);
    process.exit(1);
  },
);
