import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of a presented service token with the configured one. Both sides are
 * hashed first so that the comparison does not leak the token's length either.
 */
function serviceTokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Which configured service token the presented one is: the current one, the previous one (during a
 * rotation), or none. Both comparisons always run, so the time taken does not tell which matched.
 */
export function matchingServiceToken(presented: string, current: string, previous?: string): 'current' | 'previous' | null {
  const isCurrent = serviceTokenMatches(presented, current);
  const isPrevious = previous !== undefined && serviceTokenMatches(presented, previous);
  return isCurrent ? 'current' : isPrevious ? 'previous' : null;
}

/** `Authorization: Bearer <token>` → token; anything else → null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(header.trim());
  return match?.[1] ?? null;
}
