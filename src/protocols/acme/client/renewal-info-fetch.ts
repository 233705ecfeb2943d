import { PkiError } from '../../../core/pki-error.js';
import { ariCertId } from '../wire/ari-cert-id.js';
import { acmeClientErrorOf } from './acme-client-error.js';
import { type AcmeHttpSender, fetchAcmeDirectory } from './acme-directory-fetch.js';
import { jsonBody } from './acme-http-response.js';
import { type AcmeDirectory, type AcmeRenewalInfo, readRenewalInfo } from './acme-resources.js';
import { retryAfterSeconds } from './retry-after.js';

/** RFC 9773 §4.3.2: "reasonable limits" on the renewalInfo polling interval. */
export const MIN_ARI_RETRY_AFTER_SECONDS = 60;
export const MAX_ARI_RETRY_AFTER_SECONDS = 24 * 60 * 60;

export interface RenewalInfoFetchOptions {
  readonly transport: AcmeHttpSender;
  /** The directory already fetched, or its URL, fetched first (unauthenticated GET). */
  readonly directory: AcmeDirectory | string;
  /** Turns Retry-After HTTP-dates into delays. */
  readonly now: () => Date;
  /** Receives the Replay-Nonce of the renewalInfo answer, for a client that pools nonces. */
  readonly onReplayNonce?: (nonce: string | undefined) => void;
}

/** RFC 9773 §4.1: `<renewalInfo>/<certID>`; NOT_FOUND when the server offers no renewalInfo. */
export function renewalInfoUrl(directory: AcmeDirectory, certificate: Uint8Array | string): string {
  if (directory.renewalInfo === undefined) {
    throw new PkiError('NOT_FOUND', 'the ACME server offers no renewalInfo (RFC 9773)');
  }
  return `${directory.renewalInfo.replace(/\/+$/, '')}/${ariCertId(certificate)}`;
}

/**
 * RFC 9773 §4: the suggested renewal window of `certificate`, by an unauthenticated GET (no account, no nonce,
 * no JWS), so that a device without an ACME account can ask too. A status but 200 is AcmeClientError; a missing
 * or unreadable Retry-After, or a window that ends before it starts, is a long-term error (§4.3.3) and throws
 * MALFORMED_INPUT. Retry-After is clamped to one minute … one day (§4.3.2).
 */
export async function fetchRenewalInfo(
  certificate: Uint8Array | string,
  options: RenewalInfoFetchOptions,
): Promise<AcmeRenewalInfo> {
  const directory =
    typeof options.directory === 'string'
      ? await fetchAcmeDirectory(options.transport, options.directory, options.now)
      : options.directory;
  const url = renewalInfoUrl(directory, certificate);
  const response = await options.transport.send({ method: 'GET', url, accept: 'application/json' });
  options.onReplayNonce?.(response.replayNonce);
  const now = options.now();
  if (response.status !== 200) throw acmeClientErrorOf(response, now);
  const retryAfter = retryAfterSeconds(response.retryAfter, now);
  if (retryAfter === undefined) {
    throw new PkiError('MALFORMED_INPUT', 'the renewalInfo answer has no valid Retry-After');
  }
  const clamped = Math.min(MAX_ARI_RETRY_AFTER_SECONDS, Math.max(MIN_ARI_RETRY_AFTER_SECONDS, retryAfter));
  return readRenewalInfo(jsonBody(response, 'renewalInfo'), clamped);
}
