import type { PkiErrorCode } from '../../core/pki-error.js';

/**
 * How each refusal reaches an EST client: an HTTP status (RFC 7030 §4.2.3, RFC 8951 allows a text/plain body).
 * The compiler checks that every code has a status.
 */
export const EST_STATUS = {
  MALFORMED_INPUT: 400,
  BAD_SIGNATURE: 400,
  UNSUPPORTED_ALGORITHM: 400,
  POLICY_VIOLATION: 403,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CERT_REVOKED: 403,
  CERT_EXPIRED: 403,
  UNTRUSTED: 403,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAVAILABLE: 503,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
} as const satisfies Record<PkiErrorCode, number>;
