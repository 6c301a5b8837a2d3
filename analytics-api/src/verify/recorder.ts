/** Collects what a `verify` run did: checks, the commands behind them, and the text of each proof file. */
import type { Redactor } from './mask.js';
import type { Check, Step } from './types.js';

export type OutputFile = 'network_verification.txt' | 'migration_output.txt' | 'seed_output.txt' | 'api_tests.txt' | 'db_verification.txt';

export interface CommandEntry {
  step: Step;
  what: string;
  command: string;
}

export class Recorder {
  readonly checks: Check[] = [];
  readonly commands: CommandEntry[] = [];
  private readonly outputs = new Map<OutputFile, string[]>();

  constructor(readonly redactor: Redactor) {}

  check(check: Check): Check {
    this.checks.push(check);
    return check;
  }

  command(step: Step, what: string, command: string): void {
    this.commands.push({ step, what, command });
  }

  out(file: OutputFile, ...lines: string[]): void {
    const list = this.outputs.get(file) ?? [];
    list.push(...lines);
    this.outputs.set(file, list);
  }

  /** The text of one output file, redacted; undefined when nothing was written to it. */
  output(file: OutputFile): string | undefined {
    const lines = this.outputs.get(file);
    return lines ? this.redactor.redact(`${lines.join('\n')}\n`) : undefined;
  }

  failed(): Check[] {
    return this.checks.filter((check) => check.outcome === 'fail');
  }
}
