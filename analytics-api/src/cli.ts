#!/usr/bin/env node
import './server/heap-growth.js';
import { ConfigError } from './config/config.js';
import { DomainError } from './errors.js';
import { parseArgs } from './cli/args.js';
import { CliUsageError, type CliCommand } from './cli/command.js';
import { commands } from './cli/commands/index.js';

function usage(): string {
  return ['usage: cli <command> [options] [--json]', '', ...commands.map((c: CliCommand) => `  ${c.usage}\n      ${c.summary}`)].join('\n');
}

/** One line, no stack, no secret: what the user can act on. */
function reasonOf(error: unknown): string {
  if (error instanceof ConfigError || error instanceof CliUsageError) return error.message;
  if (error instanceof DomainError) return error.detail;
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return `${code ? `${code}: ` : ''}${(message ?? String(error)).split('\n')[0]}`;
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  const args = parseArgs(rest);
  if (!name || name === 'help' || name === '--help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 1;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`unknown command "${name}"; run "cli help" for the list\n`);
    return 1;
  }
  if (args.options['help'] === true) {
    process.stdout.write(`usage: cli ${command.usage}\n  ${command.summary}\n`);
    return 0;
  }
  try {
    const output = await command.run(args);
    if (args.json) process.stdout.write(`${JSON.stringify(output.json ?? null, null, 2)}\n`);
    else if (output.text) process.stdout.write(`${output.text}\n`);
    return output.exitCode ?? 0;
  } catch (error) {
    const reason = reasonOf(error);
    if (args.json) process.stdout.write(`${JSON.stringify({ error: reason })}\n`);
    process.stderr.write(`${name} failed: ${reason}\n`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cli failed: ${reasonOf(error)}\n`);
    process.exit(1);
  },
);
