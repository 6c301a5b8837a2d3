/**
 * Domain errors: what went wrong, in terms the caller can act on. Services throw these without
 * knowing about HTTP; the one error handler (http/error-handler.ts) turns each kind into a
 * problem+json response, and the CLI into a one-line message.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  /** A third party we call (a PSA) refused or failed: the detail says which and why. */
  | 'upstream';

export interface FieldError {
  field?: string;
  index?: number;
  detail: string;
}

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly kind: ErrorKind,
    readonly detail: string,
    readonly errors?: FieldError[],
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  readonly retryAfterSeconds: number | undefined;
}

export const invalid = (detail: string, errors?: FieldError[]) => new DomainError('invalid', detail, errors);
export const notFound = (detail: string) => new DomainError('not_found', detail);
export const conflict = (detail: string) => new DomainError('conflict', detail);
export const preconditionFailed = (detail: string) => new DomainError('precondition_failed', detail);
export const unauthorized = (detail: string) => new DomainError('unauthorized', detail);
export const unavailable = (detail: string, cause?: unknown) => new DomainError('unavailable', detail, undefined, { cause });
