import { PkiError } from '../../../core/pki-error.js';
import type { AcmeIdentifier } from '../wire/acme-problem.js';

/** RFC 8555 §7.1.1, with `renewalInfo` (RFC 9773 §3) and `meta.profiles` (ACME profiles draft). */
export interface AcmeDirectory {
  readonly newNonce: string;
  readonly newAccount: string;
  readonly newOrder: string;
  readonly revokeCert: string;
  readonly keyChange: string;
  readonly newAuthz?: string;
  readonly renewalInfo?: string;
  readonly meta?: {
    readonly termsOfService?: string;
    readonly website?: string;
    readonly caaIdentities?: readonly string[];
    readonly externalAccountRequired?: boolean;
    readonly profiles?: Readonly<Record<string, string>>;
  };
}

/** RFC 8555 §7.1.2. */
export interface AcmeAccount {
  readonly status: 'valid' | 'deactivated' | 'revoked';
  readonly contact?: readonly string[];
  readonly termsOfServiceAgreed?: boolean;
  readonly orders?: string;
}

/** RFC 8555 §7.1.3, with `replaces` (RFC 9773 §5) and `profile` (ACME profiles draft). */
export interface AcmeOrder {
  readonly status: 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
  readonly identifiers: readonly AcmeIdentifier[];
  readonly authorizations: readonly string[];
  readonly finalize: string;
  readonly expires?: string;
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly certificate?: string;
  readonly error?: unknown;
  readonly replaces?: string;
  readonly profile?: string;
}

/** RFC 8555 §7.1.4. */
export interface AcmeAuthorization {
  readonly status: 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
  readonly identifier: AcmeIdentifier;
  readonly challenges: readonly AcmeChallenge[];
  readonly expires?: string;
  readonly wildcard?: boolean;
}

/** RFC 8555 §8: one challenge; `token` for http-01, dns-01, tls-alpn-01 and device-attest-01. */
export interface AcmeChallenge {
  readonly type: string;
  readonly url: string;
  readonly status: 'pending' | 'processing' | 'valid' | 'invalid';
  readonly token?: string;
  readonly validated?: string;
  readonly error?: unknown;
}

/** RFC 9773 §4.2, with the Retry-After the answer carried (§4.3). */
export interface AcmeRenewalInfo {
  readonly suggestedWindow: { readonly start: Date; readonly end: Date };
  readonly explanationURL?: string;
  readonly retryAfterSeconds: number;
}

const ACCOUNT_STATUSES = ['valid', 'deactivated', 'revoked'] as const;
const ORDER_STATUSES = ['pending', 'ready', 'processing', 'valid', 'invalid'] as const;
const AUTHORIZATION_STATUSES = ['pending', 'valid', 'invalid', 'deactivated', 'expired', 'revoked'] as const;
const CHALLENGE_STATUSES = ['pending', 'processing', 'valid', 'invalid'] as const;

// The readers check what a client relies on and keep every other member as the server sent it, so tests of the
// certfleet server see its whole answer while a server bug in a member the client uses fails loudly here.

export function readDirectory(value: unknown): AcmeDirectory {
  const object = record(value, 'directory');
  for (const name of ['newNonce', 'newAccount', 'newOrder', 'revokeCert', 'keyChange'] as const) {
    url(object[name], `directory ${name}`);
  }
  optionalUrl(object['renewalInfo'], 'directory renewalInfo');
  return object as unknown as AcmeDirectory;
}

export function readAccount(value: unknown): AcmeAccount {
  const object = record(value, 'account');
  oneOf(object['status'], ACCOUNT_STATUSES, 'account status');
  return object as unknown as AcmeAccount;
}

export function readOrder(value: unknown): AcmeOrder {
  const object = record(value, 'order');
  oneOf(object['status'], ORDER_STATUSES, 'order status');
  identifiers(object['identifiers'], 'order identifiers');
  const authorizations = object['authorizations'];
  if (!Array.isArray(authorizations)) throw malformed('order authorizations is not an array');
  authorizations.forEach((item) => url(item, 'order authorization'));
  url(object['finalize'], 'order finalize');
  optionalUrl(object['certificate'], 'order certificate');
  return object as unknown as AcmeOrder;
}

export function readAuthorization(value: unknown): AcmeAuthorization {
  const object = record(value, 'authorization');
  oneOf(object['status'], AUTHORIZATION_STATUSES, 'authorization status');
  identifiers([object['identifier']], 'authorization identifier');
  const challenges = object['challenges'];
  if (!Array.isArray(challenges)) throw malformed('authorization challenges is not an array');
  challenges.forEach(readChallenge);
  return object as unknown as AcmeAuthorization;
}

export function readChallenge(value: unknown): AcmeChallenge {
  const object = record(value, 'challenge');
  if (typeof object['type'] !== 'string') throw malformed('challenge type is not a string');
  url(object['url'], 'challenge url');
  oneOf(object['status'], CHALLENGE_STATUSES, 'challenge status');
  if (object['token'] !== undefined && typeof object['token'] !== 'string') {
    throw malformed('challenge token is not a string');
  }
  return object as unknown as AcmeChallenge;
}

/**
 * RFC 9773 §4.2: `suggestedWindow` with RFC 3339 `start` before `end`. A window whose end is not after its start
 * must be treated as no answer (§4.2), so it is MALFORMED_INPUT here.
 */
export function readRenewalInfo(value: unknown, retryAfterSeconds: number): AcmeRenewalInfo {
  const object = record(value, 'renewalInfo');
  const window = record(object['suggestedWindow'], 'renewalInfo suggestedWindow');
  const start = timestamp(window['start'], 'suggestedWindow start');
  const end = timestamp(window['end'], 'suggestedWindow end');
  if (end.getTime() <= start.getTime()) throw malformed('renewalInfo suggestedWindow ends before it starts');
  const explanation = object['explanationURL'];
  optionalUrl(explanation, 'renewalInfo explanationURL');
  return {
    suggestedWindow: { start, end },
    ...(typeof explanation === 'string' ? { explanationURL: explanation } : {}),
    retryAfterSeconds,
  };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function url(value: unknown, what: string): void {
  if (typeof value !== 'string' || !URL.canParse(value)) throw malformed(`${what} is not a URL`);
}

function optionalUrl(value: unknown, what: string): void {
  if (value !== undefined) url(value, what);
}

function oneOf(value: unknown, allowed: readonly string[], what: string): void {
  if (typeof value !== 'string' || !allowed.includes(value))
    throw malformed(`${what} is not one RFC 8555 defines`);
}

function identifiers(value: unknown, what: string): void {
  if (!Array.isArray(value)) throw malformed(`${what} is not an array`);
  for (const item of value) {
    const identifier = record(item, what);
    if (typeof identifier['type'] !== 'string' || typeof identifier['value'] !== 'string') {
      throw malformed(`${what} needs a string type and value`);
    }
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function timestamp(value: unknown, what: string): Date {
  if (typeof value !== 'string' || !RFC3339.test(value))
    throw malformed(`${what} is not an RFC 3339 timestamp`);
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw malformed(`${what} is not a valid time`);
  return at;
}

function malformed(detail: string): PkiError {
  return new PkiError('MALFORMED_INPUT', `ACME server answer: ${detail}`);
}
