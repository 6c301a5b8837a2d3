/**
 * Nothing secret reaches a proof file: values are shown as `abcd…(48 chars)`, and every text
 * written goes through a Redactor that knows the secrets of the run.
 */

/** `abcd…(48 chars)`; short values show no prefix at all. */
export function maskSecret(value: string): string {
  if (value.length === 0) return '(empty)';
  const prefix = value.length >= 24 ? value.slice(0, 4) : '';
  return `${prefix}…(${value.length} chars)`;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** `postgresql://user:…(32 chars)@host:5432/db`: the password masked, the rest kept for diagnosis. */
export function maskDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return maskSecret(raw);
  }
  if (!url.password) return raw;
  const password = decode(url.password);
  url.password = 'MASKED';
  return url.toString().replace(':MASKED@', `:${maskSecret(password)}@`);
}

/** Replaces every known secret (and its URL-encoded form) in a text by its mask. */
export class Redactor {
  private readonly secrets = new Map<string, string>();

  add(secret: string | undefined, mask: string = secret ? maskSecret(secret) : ''): void {
    // Very short values would redact ordinary words; the configuration refuses them anyway.
    if (!secret || secret.length < 6) return;
    this.secrets.set(secret, mask);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) this.secrets.set(encoded, mask);
  }

  /** Registers a database URL: the whole URL and its password. */
  addDatabaseUrl(raw: string | undefined): void {
    if (!raw) return;
    this.add(raw, maskDatabaseUrl(raw));
    try {
      const password = new URL(raw).password;
      if (password) {
        this.add(decode(password));
        this.add(password, maskSecret(decode(password)));
      }
    } catch {
      // not a URL: the whole value is already registered
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so that a URL is replaced before the password inside it.
    const entries = [...this.secrets.entries()].sort((a, b) => b[0].length - a[0].length);
    for (const [secret, mask] of entries) out = out.split(secret).join(mask);
    return out;
  }
}
