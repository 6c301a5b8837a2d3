import { resolve } from 'node:path';
import type { ParsedArgs } from './command.js';

/** `cmd sub --name value --flag --json` → { positionals: ['sub'], options: {name, flag}, json }. */
export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i]!;
    if (word.startsWith('--')) {
      const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) options[name] = inline;
      else if (next !== undefined && !next.startsWith('--')) {
        options[name] = next;
        i += 1;
      } else options[name] = true;
    } else positionals.push(word);
  }
  const json = options['json'] === true;
  delete options['json'];
  return { positionals, options, json };
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A path the user typed, made absolute against the folder they typed the command in: npm runs a
 * workspace script (`npm run cli -- …` from the repository root) inside analytics-api/, and records
 * the original folder in INIT_CWD.
 */
export function userPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['INIT_CWD'] || process.cwd(), path);
}
