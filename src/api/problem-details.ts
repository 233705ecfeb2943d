import type { PkiError, PkiErrorCode } from '../core/pki-error.js';

/** RFC 9457 §3: the media type of a problem details object in JSON. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Problem type URIs are `<base><code in kebab-case>`, e.g. `https://certfleet.dev/problems/not-found`. */
export const PROBLEM_TYPE_BASE = 'https://certfleet.dev/problems/';

/**
 * How each error code reaches an admin API client: an HTTP status and a short title that does not change from
 * one occurrence to the next (RFC 9457 §3.1.3). The compiler checks that every code has one.
 */
export const API_PROBLEMS = {
  MALFORMED_INPUT: { status: 400, title: 'Malformed request' },
  BAD_SIGNATURE: { status: 400, title: 'Bad signature' },
  UNSUPPORTED_ALGORITHM: { status: 400, title: 'Unsupported algorithm' },
  POLICY_VIOLATION: { status: 422, title: 'Policy violation' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  CERT_REVOKED: { status: 409, title: 'Certificate revoked' },
  CERT_EXPIRED: { status: 409, title: 'Certificate expired' },
  UNTRUSTED: { status: 422, title: 'Untrusted certificate chain' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  CONFIG_INVALID: { status: 500, title: 'Internal error' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<PkiErrorCode, { readonly status: number; readonly title: string }>;

/** What a 5xx says, whatever went wrong: the details are in the server's log, never in the answer. */
const INTERNAL_DETAIL = 'internal error; the server log has the details';

/** One invalid part of the request: where it is (`body`, `query`, `path`) and its JSON pointer there. */
export interface InvalidParameter {
  readonly in: string;
  readonly pointer: string;
  readonly detail: string;
}

/** RFC 9457 §3.1 members, with `code` (the PkiErrorCode) and, for bad input, `errors` (as in its §3 example). */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: PkiErrorCode;
  readonly errors?: readonly InvalidParameter[];
  /** For a policy violation, the rule broken (PkiError details.rule). */
  readonly rule?: string;
}

export function problemType(code: PkiErrorCode): string {
  return `${PROBLEM_TYPE_BASE}${code.toLowerCase().replaceAll('_', '-')}`;
}

/** The problem details of an error; `instance` is the request's path. */
export function problemDetails(error: PkiError, instance: string): ProblemDetails {
  const { status, title } = API_PROBLEMS[error.code];
  const detail = status >= 500 ? INTERNAL_DETAIL : error.message;
  const where = error.details['in'];
  const pointer = error.details['pointer'];
  const rule = error.details['rule'];
  return {
    type: problemType(error.code),
    title,
    status,
    detail,
    instance,
    code: error.code,
    ...(typeof where === 'string' && typeof pointer === 'string'
      ? { errors: [{ in: where, pointer, detail }] }
      : {}),
    ...(error.code === 'POLICY_VIOLATION' && typeof rule === 'string' ? { rule } : {}),
  };
}
