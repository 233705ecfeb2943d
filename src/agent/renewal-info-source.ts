import { AcmeHttpTransport } from '../protocols/acme/client/acme-http-transport.js';
import type { AcmeRenewalInfo } from '../protocols/acme/client/acme-resources.js';
import { fetchRenewalInfo } from '../protocols/acme/client/renewal-info-fetch.js';

/** What the agent says with each renewalInfo request. */
export interface RenewalInfoCall {
  /** The stored trust anchors (PEM): the same that authenticate the EST server. */
  readonly trustPem: string;
  /** The time the agent reasons by, for a Retry-After given as an HTTP-date. */
  readonly now: () => Date;
}

/**
 * RFC 9773 renewal information about the agent's current LDevID. Failures are thrown (PkiError UNAVAILABLE for the
 * network, AcmeClientError for a refusal, MALFORMED_INPUT for an answer that breaks §4.2/§4.3). The default is
 * {@link acmeRenewalInfoSource}; tests give a scripted one.
 */
export interface RenewalInfoSource {
  renewalInfo(certificateDer: Uint8Array, call: RenewalInfoCall): Promise<AcmeRenewalInfo>;
}

export interface AcmeRenewalInfoSourceOptions {
  /** `https://host:port/acme/directory`. */
  readonly directoryUrl: string;
  /** Per request; default the transport's 30 s. */
  readonly timeoutMs?: number;
}

/**
 * Renewal information from an ACME server, without an account: the directory, then the renewalInfo GET, each time
 * (checks are hours apart). A fresh transport per check, so that an anchor added by a rollover is used at once
 * and no connection stays open between checks.
 */
export function acmeRenewalInfoSource(options: AcmeRenewalInfoSourceOptions): RenewalInfoSource {
  return {
    async renewalInfo(certificateDer, call) {
      const transport = new AcmeHttpTransport({
        ca: call.trustPem,
        userAgent: 'certfleet-agent',
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      try {
        return await fetchRenewalInfo(certificateDer, {
          transport,
          directory: options.directoryUrl,
          now: call.now,
        });
      } finally {
        transport.close();
      }
    },
  };
}
