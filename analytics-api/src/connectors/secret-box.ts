import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CredentialsKey } from '../config/config.js';
import { DomainError } from '../errors.js';

/**
 * AES-256-GCM sealing of connection secrets. A sealed value is `v1.<iv>.<tag>.<ciphertext>` in
 * base64; the id of the key that sealed it is stored next to it, so that after a rotation
 * (CREDENTIALS_KEY new, CREDENTIALS_KEY_PREVIOUS old) each secret is opened with its own key.
 */
export interface Sealed {
  sealed: string;
  keyId: string;
}

export interface KeyRing {
  current: CredentialsKey | undefined;
  previous: CredentialsKey | undefined;
}

export function seal(ring: KeyRing, plaintext: string): Sealed {
  if (!ring.current) {
    throw new DomainError(
      'conflict',
      'CREDENTIALS_KEY is not set: connection secrets cannot be stored encrypted, so the connection is refused (set CREDENTIALS_KEY to 32 random bytes in base64)',
    );
  }
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const sealed = ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  return { sealed, keyId: ring.current.id };
}

export function open(ring: KeyRing, value: Sealed): string {
  const key = [ring.current, ring.previous].find((k) => k?.id === value.keyId);
  if (!key) {
    throw new DomainError(
      'conflict',
      `the connection's secret was sealed with key ${value.keyId}, which is neither CREDENTIALS_KEY nor CREDENTIALS_KEY_PREVIOUS: set that key, or set the connection again`,
    );
  }
  const [version, iv, tag, body] = value.sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined)
    throw new DomainError('conflict', 'the stored connection secret is malformed: set the connection again');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new DomainError(
      'conflict',
      `the stored connection secret does not open with key ${value.keyId} (tampered or wrong key): set the connection again`,
    );
  }
}
