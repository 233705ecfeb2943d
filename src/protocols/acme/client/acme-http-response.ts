import type { IncomingHttpHeaders } from 'node:http';
import { PkiError } from '../../../core/pki-error.js';
import type { HttpLink } from './http-link.js';

/** An HTTP answer from an ACME server, with the headers RFC 8555 gives meaning to already read. */
export interface AcmeHttpResponse {
  /** The URL requested. */
  readonly url: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The media type without parameters, lower case (`application/problem+json`). */
  readonly contentType: string | undefined;
  /** RFC 8555 §6.5.1. */
  readonly replayNonce: string | undefined;
  /** RFC 8555 §7.3, §7.4: the created (or existing) resource, resolved against `url`. */
  readonly location: string | undefined;
  /** RFC 8555 §7.1: `index`, `up`, `alternate`, `next`, … */
  readonly links: readonly HttpLink[];
  /** The raw `Retry-After` value; see retryAfterSeconds(). */
  readonly retryAfter: string | undefined;
  readonly body: Uint8Array;
}

export const PROBLEM_JSON = 'application/problem+json';

/** The first link with relation `rel`, e.g. `up` from a challenge to its authorization. */
export function linkOf(response: AcmeHttpResponse, rel: string): string | undefined {
  return response.links.find((link) => link.rel === rel)?.url;
}

/** The body parsed as JSON; a body that is not JSON is MALFORMED_INPUT naming `what`. */
export function jsonBody(response: AcmeHttpResponse, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(response.body).toString('utf8')) as unknown;
  } catch (error) {
    throw new PkiError('MALFORMED_INPUT', `${what}: the ACME server's answer is not JSON`, { cause: error });
  }
}
