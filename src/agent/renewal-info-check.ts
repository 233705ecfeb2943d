import { PkiError } from '../core/pki-error.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { AcmeClientError } from '../protocols/acme/client/acme-client-error.js';
import {
  MAX_ARI_RETRY_AFTER_SECONDS,
  MIN_ARI_RETRY_AFTER_SECONDS,
} from '../protocols/acme/client/renewal-info-fetch.js';
import type { KeptRenewalInfo } from './credential-store.js';
import type { RenewalInfoSource } from './renewal-info-source.js';
import { backoffSeconds, type BackoffOptions } from './renewal-schedule.js';

export interface RenewalInfoCheckInput {
  readonly source: RenewalInfoSource;
  /** The current LDevID, asked about. */
  readonly leaf: ParsedCertificate;
  /** The stored trust anchors, which authenticate the ACME server as they do the EST server. */
  readonly anchorsPem: string | undefined;
  /** The time the agent reasons by in this step (server time): the next check counts from it. */
  readonly now: Date;
  /** The device clock, for a Retry-After HTTP-date (checks run only while it is trusted). */
  readonly deviceClock: () => Date;
}

export type RenewalInfoCheckResult =
  | { readonly ok: true; readonly kept: KeptRenewalInfo }
  | {
      readonly ok: false;
      readonly message: string;
      /** The server's Retry-After on a refusal, when it gave one. */
      readonly retryAfterSeconds: number | undefined;
    };

/** Errors only a bug raises: they leave the step rather than being reported as a failed check. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * One RFC 9773 renewalInfo round (§4.2–§4.3) for the current LDevID: the answer as the state keeps it, the next
 * check Retry-After (already clamped by the fetch) after `now`; or why it failed.
 */
export async function checkRenewalInfo(input: RenewalInfoCheckInput): Promise<RenewalInfoCheckResult> {
  try {
    if (input.anchorsPem === undefined) {
      throw new PkiError('UNTRUSTED', 'no trust anchors to authenticate the ACME server with');
    }
    const info = await input.source.renewalInfo(input.leaf.der, {
      trustPem: input.anchorsPem,
      now: input.deviceClock,
    });
    return {
      ok: true,
      kept: {
        serial: input.leaf.serial,
        start: info.suggestedWindow.start.toISOString(),
        end: info.suggestedWindow.end.toISOString(),
        nextCheckAt: new Date(input.now.getTime() + info.retryAfterSeconds * 1000).toISOString(),
        ...(info.explanationURL === undefined ? {} : { explanationUrl: info.explanationURL }),
      },
    };
  } catch (error) {
    if (PROGRAMMING_ERRORS.some((kind) => error instanceof kind)) throw error;
    return {
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      retryAfterSeconds: error instanceof AcmeClientError ? error.retryAfterSeconds : undefined,
    };
  }
}

/**
 * The wait after the `consecutiveFailures`-th failed check in a row: the server's Retry-After when it gave one,
 * else the agent's backoff; within the limits RFC 9773 §4.3.2 sets on polling either way.
 */
export function renewalInfoRetrySeconds(options: {
  readonly consecutiveFailures: number;
  readonly backoff: BackoffOptions;
  readonly random: number;
  readonly retryAfterSeconds: number | undefined;
}): number {
  const seconds =
    options.retryAfterSeconds ?? backoffSeconds(options.consecutiveFailures, options.backoff, options.random);
  return Math.min(MAX_ARI_RETRY_AFTER_SECONDS, Math.max(MIN_ARI_RETRY_AFTER_SECONDS, seconds));
}
