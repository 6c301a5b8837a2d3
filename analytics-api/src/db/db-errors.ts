/**
 * Recognises errors that mean "the database is not reachable right now" (as opposed to a bug or
 * bad input), so that callers can answer 503 instead of 500.
 */
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // 08: connection exception; 57P01-03: admin shutdown / crash shutdown / cannot connect now;
    // 53300: too many connections; 57014: statement timeout or cancelled.
    if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014'].includes(code)) return true;
    if (UNAVAILABLE_NODE_CODES.has(code)) return true;
  }
  if (typeof message === 'string') {
    return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|the database system is (starting up|shutting down)/i.test(
      message,
    );
  }
  return false;
}

/** A unique or primary-key constraint refused a row (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
