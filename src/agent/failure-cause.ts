import { type PkiErrorCode, PkiError } from '../core/pki-error.js';
import { EstHttpError } from '../protocols/est/client/est-client.js';

/** Why a step failed, in the words an operator and the fleet simulator count by. */
export type FailureCause =
  | 'unreachable'
  | 'server-error'
  | 'refused'
  | 'bad-response'
  | 'wrong-key'
  | 'untrusted-chain'
  | 'storage'
  | 'no-credential';

export interface StepFailure {
  readonly cause: FailureCause;
  readonly message: string;
  /** The server's Retry-After on a refusal (429, 503), which replaces the computed backoff. */
  readonly retryAfterSeconds?: number;
  /** The server's Date on a refusal, for the clock-offset estimate. */
  readonly serverDate?: Date;
}

/**
 * What each error code means when a transport call raised it. Codes a server would answer with arrive as
 * EstHttpError and are classified by status first; this table covers errors raised on the device side.
 * 'programming-error' is rethrown out of step(): it is a bug, not a condition to retry.
 */
const TRANSPORT_CAUSE = {
  MALFORMED_INPUT: 'bad-response',
  BAD_SIGNATURE: 'bad-response',
  UNSUPPORTED_ALGORITHM: 'bad-response',
  UNSUPPORTED_MEDIA_TYPE: 'bad-response',
  PAYLOAD_TOO_LARGE: 'bad-response',
  POLICY_VIOLATION: 'refused',
  UNAUTHORIZED: 'refused',
  FORBIDDEN: 'refused',
  NOT_FOUND: 'refused',
  CONFLICT: 'refused',
  CERT_REVOKED: 'refused',
  CERT_EXPIRED: 'refused',
  RATE_LIMITED: 'refused',
  CONFIG_INVALID: 'refused',
  UNTRUSTED: 'untrusted-chain',
  UNAVAILABLE: 'unreachable',
  INTERNAL: 'programming-error',
} as const satisfies Record<PkiErrorCode, FailureCause | 'programming-error'>;

/** OpenSSL's verdicts on the server's certificate: the server was reached but could not be authenticated. */
const TLS_VERIFY_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Errors that only a bug raises; they leave step() instead of being retried forever. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * Classifies what an EstTransport call threw: connection refused, reset or timed out → unreachable; 5xx →
 * server-error; 4xx → refused; an undecodable or truncated body → bad-response. A programming error is rethrown.
 */
export function transportFailure(error: unknown): StepFailure {
  if (error instanceof EstHttpError) {
    const cause: FailureCause = error.status >= 500 ? 'server-error' : 'refused';
    return {
      cause,
      message: error.message,
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
      ...(error.serverDate === undefined ? {} : { serverDate: error.serverDate }),
    };
  }
  if (error instanceof PkiError) {
    const cause = TRANSPORT_CAUSE[error.code];
    if (cause === 'programming-error') throw error;
    if (cause === 'unreachable' && TLS_VERIFY_CODES.has(errnoOf(error.cause) ?? '')) {
      return { cause: 'untrusted-chain', message: `the EST server is not trusted: ${error.message}` };
    }
    return { cause, message: error.message };
  }
  if (PROGRAMMING_ERRORS.some((kind) => error instanceof kind)) throw error;
  // A transport that is not EstClient (a simulator's fault injector) throws plain socket errors.
  const code = errnoOf(error);
  if (code !== undefined && TLS_VERIFY_CODES.has(code)) {
    return { cause: 'untrusted-chain', message: `the EST server is not trusted (${code})` };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { cause: 'unreachable', message: `EST server unreachable: ${text}` };
}

/** Anything a CredentialStore threw: the device could not keep what it was given. */
export function storageFailure(error: unknown, doing: string): StepFailure {
  if (PROGRAMMING_ERRORS.some((kind) => error instanceof kind)) throw error;
  const text = error instanceof Error ? error.message : String(error);
  return { cause: 'storage', message: `credential store: ${doing} failed: ${text}` };
}

function errnoOf(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
