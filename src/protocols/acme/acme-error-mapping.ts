import { isPkiError, type PkiErrorCode } from '../../core/pki-error.js';
import { AcmeProblem, type AcmeProblemType } from './wire/acme-problem.js';

/**
 * The ACME problem type for each core error code (compiler-checked: a new code forces a decision here).
 * `undefined` means "the caller's default", e.g. badCSR for what the RA refuses about a finalize request.
 */
const PROBLEM_FOR: Record<PkiErrorCode, AcmeProblemType | undefined> = {
  MALFORMED_INPUT: 'malformed',
  BAD_SIGNATURE: undefined,
  UNSUPPORTED_ALGORITHM: 'badPublicKey',
  POLICY_VIOLATION: undefined,
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'unauthorized',
  NOT_FOUND: 'malformed',
  CONFLICT: 'malformed',
  CERT_REVOKED: 'unauthorized',
  CERT_EXPIRED: 'unauthorized',
  UNTRUSTED: 'unauthorized',
  RATE_LIMITED: 'rateLimited',
  PAYLOAD_TOO_LARGE: 'malformed',
  UNSUPPORTED_MEDIA_TYPE: 'malformed',
  UNAVAILABLE: 'serverInternal',
  CONFIG_INVALID: 'serverInternal',
  INTERNAL: 'serverInternal',
};

/** An error from the RA, store or CA as the ACME problem a client sees; internal details never leave. */
export function acmeProblemFor(error: unknown, fallback: AcmeProblemType): AcmeProblem {
  if (error instanceof AcmeProblem) return error;
  if (!isPkiError(error)) return new AcmeProblem('serverInternal', 'internal error', { cause: error });
  const type = PROBLEM_FOR[error.code] ?? fallback;
  if (type === 'serverInternal') {
    return new AcmeProblem(
      'serverInternal',
      error.code === 'UNAVAILABLE' ? 'temporarily unavailable; retry' : 'internal error',
      {
        cause: error,
        ...(error.code === 'UNAVAILABLE' ? { status: 503, retryAfterSeconds: 5 } : {}),
      },
    );
  }
  const retryAfter = error.details['retryAfterSeconds'];
  return new AcmeProblem(type, error.message, {
    cause: error,
    ...(typeof retryAfter === 'number' ? { retryAfterSeconds: retryAfter } : {}),
  });
}
