/**
 * `mock-data generate`: writes the mock data set (see src/mockgen/index.ts). Without options it
 * rewrites the committed set in analytics-api/mock-data; with `--tickets`, `--from`/`--to` or
 * `--format canonical` it writes benchmark sets, streaming, in bounded memory.
 */
import { resolve } from 'node:path';
import { packageRoot } from '../../config/config.js';
import { DEFAULT_OPTIONS, writeMockData } from '../../mockgen/index.js';
import type { MockDataManifest, OutputFormat } from '../../mockgen/index.js';
import type { CliCommand, CliOutput, ParsedArgs } from '../command.js';
import { CliUsageError } from '../command.js';
import { userPath } from '../args.js';

/** Where the committed mock data lives; the default output folder. */
export const COMMITTED_MOCK_DATA_DIR = resolve(packageRoot, 'mock-data');

const USAGE =
  'mock-data generate [--out DIR] [--tickets N] [--seed S] [--from YYYY-MM-DD] [--to YYYY-MM-DD] ' +
  '[--format native|canonical] [--tenant ID[,ID…]] [--force]';

const KNOWN_OPTIONS = new Set(['out', 'tickets', 'seed', 'from', 'to', 'format', 'tenant', 'force']);

function text(args: ParsedArgs, name: string): string | undefined {
  const value = args.options[name];
  if (value === true) throw new CliUsageError(`--${name} needs a value`);
  return value;
}

function ticketsOption(args: ParsedArgs): number | undefined {
  const raw = text(args, 'tickets');
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new CliUsageError(`--tickets must be a whole number, got "${raw}"`);
  return Number(raw);
}

function formatOption(args: ParsedArgs): OutputFormat {
  const raw = text(args, 'format') ?? 'native';
  if (raw !== 'native' && raw !== 'canonical') throw new CliUsageError(`--format must be native or canonical, got "${raw}"`);
  return raw;
}

function summaryText(outDir: string, manifest: MockDataManifest): string {
  const lines = [`mock data written to ${outDir}`];
  for (const { tickets, time_entries: entries } of manifest.tenants) {
    for (const file of [tickets, entries]) {
      lines.push(
        `  ${file.file}: ${file.records} records (${file.rejects.length} invalid on purpose), ${(file.bytes / 1e6).toFixed(2)} MB`,
      );
    }
  }
  return lines.join('\n');
}

export const mockDataCommand: CliCommand = {
  name: 'mock-data',
  usage: USAGE,
  summary: 'generates deterministic mock PSA data (the committed set, or large benchmark sets)',
  async run(args: ParsedArgs): Promise<CliOutput> {
    const [action] = args.positionals;
    if (action !== 'generate') throw new CliUsageError(`usage: ${USAGE}`);
    for (const name of Object.keys(args.options)) {
      if (!KNOWN_OPTIONS.has(name)) throw new CliUsageError(`unknown option --${name}; usage: ${USAGE}`);
    }
    const out = text(args, 'out');
    const outDir = out === undefined ? COMMITTED_MOCK_DATA_DIR : userPath(out);
    const options = {
      outDir,
      seed: text(args, 'seed') ?? DEFAULT_OPTIONS.seed,
      from: text(args, 'from') ?? DEFAULT_OPTIONS.from,
      to: text(args, 'to') ?? DEFAULT_OPTIONS.to,
      format: formatOption(args),
      tickets: ticketsOption(args),
      tenantIds: text(args, 'tenant')
        ?.split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    };
    const customised =
      options.tickets !== undefined ||
      options.tenantIds !== undefined ||
      options.format !== DEFAULT_OPTIONS.format ||
      options.seed !== DEFAULT_OPTIONS.seed ||
      options.from !== DEFAULT_OPTIONS.from ||
      options.to !== DEFAULT_OPTIONS.to;
    if (customised && outDir === COMMITTED_MOCK_DATA_DIR && args.options.force !== true) {
      throw new CliUsageError('custom options would overwrite the committed mock data: pass --out DIR (or --force)');
    }
    let manifest: MockDataManifest;
    try {
      manifest = await writeMockData({
        ...options,
        onFileWritten: (file, summary) => process.stderr.write(`wrote ${file} (${summary.records} records)\n`),
      });
    } catch (error) {
      // Bad option values surface from the generator as plain errors naming the option.
      if (error instanceof Error && !('code' in error)) throw new CliUsageError(error.message);
      throw error;
    }
    return {
      text: summaryText(outDir, manifest),
      json: {
        out: outDir,
        options: manifest.options,
        files: manifest.tenants
          .flatMap((t) => [t.tickets, t.time_entries])
          .map((f) => ({
            file: f.file,
            records: f.records,
            bytes: f.bytes,
            sha256: f.sha256,
            rejects: f.rejects.length,
          })),
      },
    };
  },
};
