/**
 * Runs `mock-data` without the service CLI (no build, no npm needed):
 *
 *   node --import tsx analytics-api/src/mockgen/main.ts generate [--out DIR] [--tickets N] …
 *
 * Options are those of src/cli/commands/mock-data.ts.
 */
import type { ParsedArgs } from '../cli/command.js';
import { mockDataCommand } from '../cli/commands/mock-data.js';

function parse(argv: readonly string[]): ParsedArgs {
  const args: ParsedArgs = { positionals: [], options: {}, json: false };
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i]!;
    if (word === '--json') args.json = true;
    else if (word.startsWith('--')) {
      const [name, inline] = word.slice(2).split('=', 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) args.options[name] = inline;
      else if (next !== undefined && !next.startsWith('--')) {
        args.options[name] = next;
        i += 1;
      } else args.options[name] = true;
    } else args.positionals.push(word);
  }
  return args;
}

try {
  const args = parse(process.argv.slice(2));
  const output = await mockDataCommand.run(args);
  process.stdout.write(`${args.json ? JSON.stringify(output.json) : (output.text ?? '')}\n`);
  process.exitCode = output.exitCode ?? 0;
} catch (error) {
  process.stderr.write(`mock-data: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
