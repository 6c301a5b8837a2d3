/**
 * Every log line of the in-process test apps (createTestApp, at LOG_LEVEL trace unless a test sets
 * another level) and of the server processes the tests start (startServer's stdout and stderr)
 * passes through `findSecrets`: a line holding a configured secret, a whole API key or a JWT is a
 * leak, and the app's close() / the process's stop() then fails the test file that made it.
 * Not covered: what the CLI prints on purpose (a new key is shown once) and the logs of the real-n8n
 * and browser suites.
 */

/** Whole API keys (api-keys.ts) and JWTs (three base64url parts, the first a JSON header). */
const SECRET_SHAPES = [/msk_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}/, /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/];

const knownSecrets = new Set<string>();

/** A value (token, password, key) that must never appear in any log line. Values under 12 characters are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 12) knownSecrets.add(value);
}

/** What in `text` is a secret: the registered values and the shapes of keys and tokens (described, not repeated). */
export function findSecrets(text: string, extra: readonly (string | undefined)[] = []): string[] {
  const found: string[] = [];
  for (const secret of [...knownSecrets, ...extra]) {
    if (secret && secret.length >= 12 && text.includes(secret)) found.push(`a configured secret (${secret.slice(0, 4)}…)`);
  }
  for (const shape of SECRET_SHAPES) if (shape.test(text)) found.push(`a value shaped like ${shape.source.slice(0, 8)}…`);
  return found;
}

/** A pino destination that checks each line as it is written and keeps the lines (for assertions). */
export class LogCapture {
  readonly lines: string[] = [];
  readonly leaks: string[] = [];

  constructor(private readonly secrets: readonly (string | undefined)[] = []) {}

  write(line: string): void {
    this.lines.push(line);
    const found = findSecrets(line, this.secrets);
    if (found.length > 0) this.leaks.push(`${found.join(', ')} in log line: ${line.slice(0, 200).replace(/msk_\w+|eyJ[\w.-]+/g, '<…>')}`);
  }

  /** Throws when a line held a secret. */
  assertNoSecrets(): void {
    if (this.leaks.length > 0) throw new Error(`secrets in ${this.leaks.length} log line(s):\n${this.leaks.slice(0, 5).join('\n')}`);
  }
}
