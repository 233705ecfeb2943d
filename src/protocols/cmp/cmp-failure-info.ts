import type { PkiErrorCode } from '../../core/pki-error.js';
import type { PKIFailureInfoName } from '../../pki/asn1/cmp/pki-failure-info.js';

/**
 * How each refusal reaches a CMP client: the PKIFailureInfo bit of its error message (RFC 9810 §5.2.3, §5.3.21).
 * The compiler checks that every code has one.
 */
export const CMP_FAILURE_INFO = {
  MALFORMED_INPUT: 'badDataFormat',
  BAD_SIGNATURE: 'badPOP',
  UNSUPPORTED_ALGORITHM: 'badAlg',
  POLICY_VIOLATION: 'badCertTemplate',
  UNAUTHORIZED: 'notAuthorized',
  FORBIDDEN: 'notAuthorized',
  NOT_FOUND: 'badCertId',
  CONFLICT: 'badRequest',
  CERT_REVOKED: 'certRevoked',
  CERT_EXPIRED: 'signerNotTrusted',
  UNTRUSTED: 'signerNotTrusted',
  RATE_LIMITED: 'systemUnavail',
  PAYLOAD_TOO_LARGE: 'badRequest',
  UNSUPPORTED_MEDIA_TYPE: 'badRequest',
  UNAVAILABLE: 'systemUnavail',
  CONFIG_INVALID: 'systemFailure',
  INTERNAL: 'systemFailure',
} as const satisfies Record<PkiErrorCode, PKIFailureInfoName>;
