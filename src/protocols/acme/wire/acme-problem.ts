/**
 * RFC 8555 §6.7 error types, with the extensions certfleet serves: `alreadyReplaced` (RFC 9773 §5),
 * `badAttestationStatement` (draft-ietf-acme-device-attest) and `invalidProfile` (ACME profiles draft). A closed
 * union, each with the HTTP status the server answers it with, so the edge's mapping stays complete when one is
 * added.
 */
export const ACME_PROBLEM_STATUS = {
  accountDoesNotExist: 400,
  alreadyReplaced: 409,
  alreadyRevoked: 400,
  badAttestationStatement: 400,
  badCSR: 400,
  badNonce: 400,
  badPublicKey: 400,
  badRevocationReason: 400,
  badSignatureAlgorithm: 400,
  caa: 403,
  // Only newOrder answers it, for several refused identifiers each of which alone is a 400.
  compound: 400,
  connection: 400,
  dns: 400,
  externalAccountRequired: 403,
  incorrectResponse: 403,
  invalidContact: 400,
  invalidProfile: 400,
  malformed: 400,
  orderNotReady: 403,
  rateLimited: 429,
  rejectedIdentifier: 400,
  serverInternal: 500,
  tls: 400,
  unauthorized: 403,
  unsupportedContact: 400,
  unsupportedIdentifier: 400,
  userActionRequired: 403,
} as const satisfies Record<string, number>;

export type AcmeProblemType = keyof typeof ACME_PROBLEM_STATUS;

export const ACME_PROBLEM_TYPES = Object.keys(ACME_PROBLEM_STATUS) as readonly AcmeProblemType[];

/** RFC 8555 §6.7: every ACME error type lives under this URN namespace. */
export const ACME_ERROR_NAMESPACE = 'urn:ietf:params:acme:error:';

/** RFC 8555 §7.1.4 / §9.7.8: an identifier as it appears in orders, authorizations and subproblems. */
export interface AcmeIdentifier {
  readonly type: string;
  readonly value: string;
}

/** RFC 8555 §6.7.1: one identifier's own problem inside a `compound` (or other) problem. */
export interface AcmeSubproblem {
  readonly type: AcmeProblemType;
  readonly detail: string;
  readonly identifier?: AcmeIdentifier;
}

export interface AcmeProblemOptions {
  readonly cause?: unknown;
  /** RFC 8555 §6.2: the algorithms the server accepts, sent with `badSignatureAlgorithm`. */
  readonly algorithms?: readonly string[];
  readonly subproblems?: readonly AcmeSubproblem[];
  /** RFC 8555 §6.6: seconds a rate-limited (or retrying) client should wait, sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** Overrides the type's usual status (e.g. 409 for a key rollover to a key bound elsewhere). */
  readonly status?: number;
  /** A resource the problem points at, sent as `Location` (RFC 8555 §7.3.5: the account holding the new key). */
  readonly location?: string;
}

/** The JSON body of an `application/problem+json` answer (RFC 7807 as profiled by RFC 8555 §6.7). */
export interface AcmeProblemDocument {
  readonly type: string;
  readonly detail: string;
  readonly status: number;
  readonly algorithms?: readonly string[];
  readonly subproblems?: readonly {
    readonly type: string;
    readonly detail: string;
    readonly identifier?: AcmeIdentifier;
  }[];
}

/**
 * An ACME problem raised anywhere in the ACME front end. It carries the type and a detail safe to show the client;
 * rendering it as `application/problem+json` is the ACME edge's job.
 */
export class AcmeProblem extends Error {
  override readonly name = 'AcmeProblem';
  readonly type: AcmeProblemType;
  readonly algorithms: readonly string[] | undefined;
  readonly subproblems: readonly AcmeSubproblem[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly status: number;
  readonly location: string | undefined;

  /** `detail` must be safe to show the client: no key material or internal state. */
  constructor(type: AcmeProblemType, detail: string, options: AcmeProblemOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.type = type;
    this.algorithms = options.algorithms;
    this.subproblems = options.subproblems;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.status = options.status ?? ACME_PROBLEM_STATUS[type];
    this.location = options.location;
  }

  get detail(): string {
    return this.message;
  }

  /** The `type` member of the problem document, e.g. `urn:ietf:params:acme:error:malformed`. */
  get typeUrn(): string {
    return `${ACME_ERROR_NAMESPACE}${this.type}`;
  }

  toDocument(): AcmeProblemDocument {
    return {
      type: this.typeUrn,
      detail: this.detail,
      status: this.status,
      ...(this.algorithms === undefined ? {} : { algorithms: this.algorithms }),
      ...(this.subproblems === undefined
        ? {}
        : {
            subproblems: this.subproblems.map((sub) => ({
              type: `${ACME_ERROR_NAMESPACE}${sub.type}`,
              detail: sub.detail,
              ...(sub.identifier === undefined ? {} : { identifier: sub.identifier }),
            })),
          }),
    };
  }
}

export function isAcmeProblem(value: unknown, type?: AcmeProblemType): value is AcmeProblem {
  return value instanceof AcmeProblem && (type === undefined || value.type === type);
}
