import { resolve } from 'node:path';
import { parseArgs as parseWords } from 'node:util';
import type { ParsedArgs } from './command.js';

const FLAGS = { json: { type: 'boolean' }, help: { type: 'boolean' } } as const;

/**
 * `cmd sub --name value --flag --json` → { positionals: ['sub'], options: {name, flag}, json }.
 *
 * node:util parseArgs reads the words (`--name=value`, `--`, a bare `--flag`). The commands declare no
 * option lists, so it cannot know that `--name value` takes the next word: a long option without
 * `=` takes the next word unless that word is itself a long option, as every usage line writes it
 * (`--capacity -5` included: the service then names what is wrong with -5). --json and --help are
 * flags everywhere and never take a word: `cli --json migrate` is migrate with JSON output.
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const { tokens } = parseWords({ args: argv, options: FLAGS, strict: false, allowPositionals: true, tokens: true });
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  let valueAt = -1;
  for (const token of tokens) {
    if (token.index === valueAt) continue;
    if (token.kind === 'positional') positionals.push(token.value);
    else if (token.kind === 'option') {
      const next = argv[token.index + 1];
      if (token.value !== undefined) options[token.name] = token.value;
      else if (!(token.name in FLAGS) && token.rawName.startsWith('--') && next !== undefined && !next.startsWith('--')) {
        options[token.name] = next;
        valueAt = token.index + 1;
      } else options[token.name] = true;
    }
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
