import type { Clock } from '../core/clock.js';
import type { IssuerId } from '../core/ids.js';
import type { IssuedCertificate } from '../ca/issue-order.js';
import { type RenewingCredential, RenewingCredentials } from '../pki/renewing-credentials.js';

/** A node's delegated OCSP responder for one issuer: certificate and key, in memory only. */
export type OcspResponderCredential = RenewingCredential<IssuedCertificate>;

/**
 * Delegated OCSP responder credentials (RFC 6960 §4.2.2.2), one per issuer per server node, made and renewed as
 * {@link RenewingCredentials} describes. The certificate (profile ocsp-responder: OCSPSigning,
 * id-pkix-ocsp-nocheck, a week by default) is issued by the issuer itself.
 */
export class OcspResponderKeys {
  private readonly credentials: RenewingCredentials<IssuerId, IssuedCertificate>;

  constructor(deps: {
    /** Issues the responder certificate for a CSR (the server passes the RA with its service credential). */
    issue: (issuerId: IssuerId, csrDer: Uint8Array) => Promise<IssuedCertificate>;
    clock: Clock;
  }) {
    this.credentials = new RenewingCredentials({
      issue: deps.issue,
      commonName: (issuerId) => `${issuerId} OCSP responder`,
      clock: deps.clock,
    });
  }

  forIssuer(issuerId: IssuerId): Promise<OcspResponderCredential> {
    return this.credentials.get(issuerId);
  }
}
