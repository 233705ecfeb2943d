import { PkiError, type PkiErrorCode } from '../../../core/pki-error.js';
import {
  ACME_ERROR_NAMESPACE,
  ACME_PROBLEM_TYPES,
  type AcmeIdentifier,
  type AcmeProblemType,
} from '../wire/acme-problem.js';
import { type AcmeHttpResponse, PROBLEM_JSON } from './acme-http-response.js';
import { retryAfterSeconds } from './retry-after.js';

/** RFC 8555 §6.7.1: a subproblem as the server sent it (its `type` a full URN). */
export interface AcmeClientSubproblem {
  readonly type: string;
  readonly detail: string;
  readonly identifier?: AcmeIdentifier;
}

export interface AcmeClientErrorInit {
  /** The HTTP status of the answer; for a problem embedded in an order or challenge, its `status` member or 0. */
  readonly status: number;
  /** The problem `type` as sent, e.g. `urn:ietf:params:acme:error:badNonce`; `about:blank` when there was none. */
  readonly type: string;
  readonly detail: string;
  readonly subproblems?: readonly AcmeClientSubproblem[];
  /** RFC 8555 §6.2: the algorithms a `badSignatureAlgorithm` answer lists. */
  readonly algorithms?: readonly string[];
  /** Seconds the server asked the client to wait (`Retry-After`), when it said. */
  readonly retryAfterSeconds?: number;
}

/**
 * An ACME server's refusal, read from its `application/problem+json` answer (RFC 8555 §6.7), or a problem
 * document embedded in an order, authorization or challenge. A PkiError too, so callers that only know
 * certfleet's codes (the agent) can still classify it.
 */
export class AcmeClientError extends PkiError {
  readonly status: number;
  readonly type: string;
  readonly detail: string;
  readonly subproblems: readonly AcmeClientSubproblem[];
  readonly algorithms: readonly string[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: AcmeClientErrorInit) {
    super(
      codeFor(init.status, init.type),
      `ACME server answered ${init.status} ${init.type}: ${init.detail}`,
      {
        details: { status: init.status, type: init.type },
      },
    );
    this.status = init.status;
    this.type = init.type;
    this.detail = init.detail;
    this.subproblems = init.subproblems ?? [];
    this.algorithms = init.algorithms;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** The RFC 8555 §6.7 short name (`badNonce`, …) when `type` is an ACME error URN certfleet knows. */
  get problemType(): AcmeProblemType | undefined {
    return acmeProblemTypeOf(this.type);
  }

  is(type: AcmeProblemType): boolean {
    return this.problemType === type;
  }
}

export function isAcmeClientError(value: unknown, type?: AcmeProblemType): value is AcmeClientError {
  return value instanceof AcmeClientError && (type === undefined || value.is(type));
}

/** `urn:ietf:params:acme:error:badNonce` → `badNonce`; anything else → undefined. */
export function acmeProblemTypeOf(typeUrn: string): AcmeProblemType | undefined {
  if (!typeUrn.startsWith(ACME_ERROR_NAMESPACE)) return undefined;
  const name = typeUrn.slice(ACME_ERROR_NAMESPACE.length);
  return (ACME_PROBLEM_TYPES as readonly string[]).includes(name) ? (name as AcmeProblemType) : undefined;
}

/**
 * Reads a problem document (already JSON-parsed) leniently: a client must report what the server said even when
 * the server says it badly, so missing members become `about:blank` and an empty detail rather than a second error.
 */
export function acmeClientErrorFromProblem(
  document: unknown,
  status: number,
  retryAfterSeconds?: number,
): AcmeClientError {
  const problem = isRecord(document) ? document : {};
  const algorithms = stringArray(problem['algorithms']);
  const subproblems = Array.isArray(problem['subproblems'])
    ? problem['subproblems'].filter(isRecord).map(readSubproblem)
    : undefined;
  return new AcmeClientError({
    status,
    type: typeof problem['type'] === 'string' ? problem['type'] : 'about:blank',
    detail: typeof problem['detail'] === 'string' ? problem['detail'] : '',
    ...(subproblems === undefined ? {} : { subproblems }),
    ...(algorithms === undefined ? {} : { algorithms }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

/**
 * The refusal an answer of 400 and above (or an unexpected status) carries: its problem document when it is JSON,
 * else its first 200 characters as the detail; `now` turns a Retry-After HTTP-date into seconds.
 */
export function acmeClientErrorOf(response: AcmeHttpResponse, now: Date): AcmeClientError {
  const retryAfter = retryAfterSeconds(response.retryAfter, now);
  const text = Buffer.from(response.body).toString('utf8');
  let problem: unknown;
  if (response.contentType === PROBLEM_JSON || response.contentType === 'application/json') {
    try {
      problem = JSON.parse(text) as unknown;
    } catch {
      problem = undefined;
    }
  }
  return acmeClientErrorFromProblem(
    problem ?? { type: 'about:blank', detail: text.slice(0, 200) },
    response.status,
    retryAfter,
  );
}

function readSubproblem(sub: Record<string, unknown>): AcmeClientSubproblem {
  const identifier = sub['identifier'];
  return {
    type: typeof sub['type'] === 'string' ? sub['type'] : 'about:blank',
    detail: typeof sub['detail'] === 'string' ? sub['detail'] : '',
    ...(isRecord(identifier) &&
    typeof identifier['type'] === 'string' &&
    typeof identifier['value'] === 'string'
      ? { identifier: { type: identifier['type'], value: identifier['value'] } }
      : {}),
  };
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The certfleet code for the problem types a caller may want to tell apart; the rest go by HTTP status. */
const CODE_BY_PROBLEM_TYPE: Partial<Record<AcmeProblemType, PkiErrorCode>> = {
  badNonce: 'MALFORMED_INPUT',
  malformed: 'MALFORMED_INPUT',
  badCSR: 'MALFORMED_INPUT',
  badSignatureAlgorithm: 'UNSUPPORTED_ALGORITHM',
  badPublicKey: 'UNSUPPORTED_ALGORITHM',
  unauthorized: 'UNAUTHORIZED',
  accountDoesNotExist: 'UNAUTHORIZED',
  externalAccountRequired: 'UNAUTHORIZED',
  rateLimited: 'RATE_LIMITED',
  alreadyRevoked: 'CERT_REVOKED',
  alreadyReplaced: 'CONFLICT',
  orderNotReady: 'CONFLICT',
  serverInternal: 'UNAVAILABLE',
};

function codeFor(status: number, type: string): PkiErrorCode {
  const problemType = acmeProblemTypeOf(type);
  const byType = problemType === undefined ? undefined : CODE_BY_PROBLEM_TYPE[problemType];
  if (byType !== undefined) return byType;
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'UNAVAILABLE';
  return 'POLICY_VIOLATION';
}
