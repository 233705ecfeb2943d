/**
 * The one error type raised inside certfleet. Each protocol edge maps every code to its own wire form with a
 * table the compiler checks for completeness (`satisfies Record<PkiErrorCode, …>`), so adding a code here
 * forces every edge to decide how to show it.
 */
export const PKI_ERROR_CODES = [
  /** Bytes that do not decode: bad PEM, base64, DER, JSON or a structure that breaks its schema. */
  'MALFORMED_INPUT',
  /** A signature (for example a CSR's proof of possession) that does not verify. */
  'BAD_SIGNATURE',
  /** A key, signature or hash algorithm we do not accept. */
  'UNSUPPORTED_ALGORITHM',
  /** A request outside its certificate profile or lifecycle policy; `details.rule` names the rule. */
  'POLICY_VIOLATION',
  /** No credential, or one that does not authenticate. */
  'UNAUTHORIZED',
  /** An authenticated requester asking for something it does not own or may not do. */
  'FORBIDDEN',
  'NOT_FOUND',
  /** The thing exists already or the state does not allow the change. */
  'CONFLICT',
  'CERT_REVOKED',
  'CERT_EXPIRED',
  /** A certificate chain that does not reach a trusted anchor. */
  'UNTRUSTED',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  /** A request body in a media type the endpoint does not take. */
  'UNSUPPORTED_MEDIA_TYPE',
  /** A dependency (store, HSM) is unreachable; the caller may retry. */
  'UNAVAILABLE',
  /** Configuration that fails validation; `details.path` holds the JSON path. */
  'CONFIG_INVALID',
  /** Anything unexpected. Its message is never shown to a client. */
  'INTERNAL',
] as const;

export type PkiErrorCode = (typeof PKI_ERROR_CODES)[number];

export type PkiErrorDetails = Readonly<Record<string, string | number | boolean>>;

export interface PkiErrorOptions {
  readonly cause?: unknown;
  readonly details?: PkiErrorDetails;
}

export class PkiError extends Error {
  override readonly name = 'PkiError';
  readonly code: PkiErrorCode;
  readonly details: PkiErrorDetails;

  /** `message` must be safe to show the requester: no key material, paths or internal state. */
  constructor(code: PkiErrorCode, message: string, options: PkiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isPkiError(value: unknown, code?: PkiErrorCode): value is PkiError {
  return value instanceof PkiError && (code === undefined || value.code === code);
}

/** Wraps anything thrown by a library into a PkiError of the given code, keeping the original as the cause. */
export function asPkiError(error: unknown, code: PkiErrorCode, message: string): PkiError {
  if (error instanceof PkiError) return error;
  return new PkiError(code, message, { cause: error });
}
