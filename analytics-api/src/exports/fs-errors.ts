import { DomainError, unavailable } from '../errors.js';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'already exists',
  EISDIR: 'is a folder',
  ENOTEMPTY: 'folder not empty',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ELOOP: 'too many symbolic links',
  EXDEV: 'crosses file systems',
};

/**
 * A Node file-system error, as opposed to a database error. Errors of open/mkdir/rename name their
 * path; errors of a write on an open file (a full disk: ENOSPC) carry only the errno and syscall.
 */
export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string; syscall: string } {
  const e = error as Partial<NodeJS.ErrnoException> | null;
  return typeof e?.code === 'string' && typeof e.syscall === 'string' && (typeof e.path === 'string' || e.code in REASONS);
}

export function errnoText(code: string): string {
  const reason = REASONS[code];
  return reason ? `${code}: ${reason}` : code;
}

/**
 * The 503 problem for an exports folder that cannot be used: names the folder and the errno, and
 * says what to fix. Database errors and domain errors pass through unchanged.
 */
export function asExportsUnavailable(error: unknown, exportsPath: string): unknown {
  if (error instanceof DomainError || !isFileSystemError(error)) return error;
  return unavailable(
    `the exports folder is not usable: ${error.syscall}${error.path ? ` ${error.path}` : ''} failed (${errnoText(error.code)}); ` +
      `EXPORTS_PATH (${exportsPath}) must be an existing or creatable, writable folder`,
    error,
  );
}
