import { PkiError } from '../core/pki-error.js';

/**
 * Recognizes the driver errors the store turns into PkiError codes. Both drivers attach a `code`: pg the
 * SQLSTATE (PostgreSQL Appendix A), better-sqlite3 the extended SQLite result code name, Node the errno name.
 */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** A unique or primary-key constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function isForeignKeyViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Errors a caller may retry: the database is unreachable, shutting down, overloaded or locked by another
 * writer. SQLSTATE classes 08 (connection exception), 40 (transaction rollback: serialization failure,
 * deadlock), 53 (insufficient resources) and 57P (operator intervention); SQLite's BUSY/LOCKED after
 * busy_timeout, a full disk and I/O errors.
 */
export function isUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  if (code === undefined) {
    // pg reports a connection lost mid-query or a connect timeout as a plain Error without a code.
    const message = error instanceof Error ? error.message : '';
    return /Connection terminated|timeout exceeded when trying to connect/i.test(message);
  }
  return (
    UNAVAILABLE_ERRNOS.has(code) ||
    /^(08|40|53|57P)/.test(code) ||
    /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN)/.test(code)
  );
}

/** The error to throw for a driver error: UNAVAILABLE if the caller may retry, otherwise the error itself. */
export function mapStoreError(error: unknown): unknown {
  if (error instanceof PkiError || !isUnavailable(error)) return error;
  return new PkiError('UNAVAILABLE', 'the certificate store is unavailable; try again later', {
    cause: error,
  });
}
