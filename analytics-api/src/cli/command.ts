/** What every `cli` sub-command implements (src/cli.ts dispatches to them). */
export interface ParsedArgs {
  /** Words after the command name that are not options, e.g. `tenant create` → ['create']. */
  positionals: string[];
  /** `--name value` → { name: 'value' }; a bare `--flag` → { flag: true }. */
  options: Record<string, string | true>;
  json: boolean;
}

export interface CliOutput {
  /** Human-readable text (ignored with --json). */
  text?: string;
  /** The one JSON document printed on stdout with --json. */
  json?: unknown;
  /** Non-zero marks failure (e.g. verify → BLOCKED). Default 0. */
  exitCode?: number;
}

export interface CliCommand {
  name: string;
  usage: string;
  summary: string;
  run(args: ParsedArgs): Promise<CliOutput>;
}

/** A failure the user can fix: printed as one line, exit code 1. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}
