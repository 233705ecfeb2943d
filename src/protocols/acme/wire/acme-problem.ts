/**
 * RFC 8555 §6.7: the ACME error types the JWS request decoder raises, as a closed union so that the ACME edge's
 * mapping to HTTP status and problem+json stays complete when one is added. The server adds the rest of §6.7's
 * list (badCSR, orderNotReady, …) when it needs them.
 */
export const ACME_PROBLEM_TYPES = [
  /** The request message was malformed (bad JSON, bad JWS, bad base64url, a signature that does not verify). */
  'malformed',
  /** The client sent an unacceptable anti-replay nonce (raised by the caller, which owns the nonce store). */
  'badNonce',
  /** The JWS was signed with an algorithm the server does not support; carries `algorithms`. */
  'badSignatureAlgorithm',
  /** The client lacks sufficient authorization; RFC 8555 §6.4 uses it for a `url` header that does not match. */
  'unauthorized',
  /** The request named an account (kid) that does not exist (raised by the caller, which looks the kid up). */
  'accountDoesNotExist',
  /** The JWS was signed by a public key the server does not support. */
  'badPublicKey',
] as const;

export type AcmeProblemType = (typeof ACME_PROBLEM_TYPES)[number];

/** RFC 8555 §6.7: every ACME error type lives under this URN namespace. */
export const ACME_ERROR_NAMESPACE = 'urn:ietf:params:acme:error:';

export interface AcmeProblemOptions {
  readonly cause?: unknown;
  /** RFC 8555 §6.2: the algorithms the server accepts, sent with `badSignatureAlgorithm`. */
  readonly algorithms?: readonly string[];
}

/**
 * An ACME problem document (RFC 7807 as profiled by RFC 8555 §6.7) raised by the ACME wire layer. It carries the
 * type and a detail safe to show the client; rendering it as `application/problem+json` with a status is the
 * ACME edge's job, not this class's.
 */
export class AcmeProblem extends Error {
  override readonly name = 'AcmeProblem';
  readonly type: AcmeProblemType;
  readonly algorithms: readonly string[] | undefined;

  /** `detail` must be safe to show the client: no key material or internal state. */
  constructor(type: AcmeProblemType, detail: string, options: AcmeProblemOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.type = type;
    this.algorithms = options.algorithms;
  }

  get detail(): string {
    return this.message;
  }

  /** The `type` member of the problem document, e.g. `urn:ietf:params:acme:error:malformed`. */
  get typeUrn(): string {
    return `${ACME_ERROR_NAMESPACE}${this.type}`;
  }
}

export function isAcmeProblem(value: unknown, type?: AcmeProblemType): value is AcmeProblem {
  return value instanceof AcmeProblem && (type === undefined || value.type === type);
}
