import { REVOCATION_REASON_CODES, type RevocationReason } from '../../core/revocation-reason.js';
import { isPkiError } from '../../core/pki-error.js';
import { parseCertificate, type ParsedCertificate } from '../../pki/certificate.js';
import { bytesEqual } from '../../pki/der.js';
import type { Revocations, RevocationSummary } from '../../ra/revocations.js';
import type { AcmeOrders } from '../../store/acme-state.js';
import type { AuthenticatedRequest } from './acme-authenticator.js';
import { acmeProblemFor } from './acme-error-mapping.js';
import type { AcmeResponse } from './acme-response.js';
import { AcmeProblem } from './wire/acme-problem.js';
import { decodeBase64url } from './wire/base64url.js';

export interface RevocationServiceDependencies {
  readonly revocations: Pick<Revocations, 'revoke'>;
  readonly orders: Pick<AcmeOrders, 'findByCertificate'>;
  /** Our issuer of a certificate (by its issuer name and signature), or undefined when it is not ours. */
  readonly issuerOf: (certificate: ParsedCertificate) => string | undefined;
}

/** RFC 5280 §5.3.1 reasons a subscriber may give (RFC 8555 §7.6); 6 and 8 only mean something to a CA. */
const SUBSCRIBER_REASONS: ReadonlyMap<number, RevocationReason> = new Map(
  (Object.entries(REVOCATION_REASON_CODES) as [RevocationReason, number][])
    .filter(([name]) => name !== 'certificateHold' && name !== 'removeFromCRL')
    .map(([name, code]) => [code, name]),
);

/**
 * RFC 8555 §7.6: revocation signed by the account that obtained the certificate (kid), or by the certificate's
 * own key (jwk), which proves possession as a stolen account key could not. The RA's Revocations does the rest.
 */
export class RevocationService {
  constructor(private readonly deps: RevocationServiceDependencies) {}

  async revoke(request: AuthenticatedRequest): Promise<AcmeResponse> {
    const payload = request.payload;
    const certificateText = payload?.['certificate'];
    if (typeof certificateText !== 'string')
      throw new AcmeProblem('malformed', 'revokeCert needs a "certificate"');
    let certificate: ParsedCertificate;
    try {
      certificate = parseCertificate(decodeBase64url(certificateText, 'certificate'));
    } catch (error) {
      if (error instanceof AcmeProblem) throw error;
      throw new AcmeProblem('malformed', 'the certificate does not decode', { cause: error });
    }
    const reason = revocationReason(payload?.['reason']);
    const issuerId = this.deps.issuerOf(certificate);
    if (issuerId === undefined)
      throw new AcmeProblem('malformed', 'this server did not issue the certificate');
    try {
      let summary: RevocationSummary;
      if (request.keyRef === 'jwk') {
        // The key is public already: createPublicKey() refuses a public KeyObject.
        const spki = request.publicKey.export({ format: 'der', type: 'spki' });
        if (!bytesEqual(new Uint8Array(spki), certificate.spkiDer)) {
          throw new AcmeProblem('unauthorized', 'the request is not signed with the certificate key');
        }
        summary = await this.deps.revocations.revoke(
          { kind: 'certificate-holder', chain: [certificate.der] },
          { kind: 'certificate', serial: certificate.serial, issuerId: issuerId as never },
          reason,
        );
      } else {
        const order = await this.deps.orders.findByCertificate(issuerId as never, certificate.serial);
        if (!order || order.accountId !== request.account.id) {
          throw new AcmeProblem('unauthorized', 'this account did not obtain the certificate');
        }
        summary = await this.deps.revocations.revoke(
          { kind: 'acme-account', accountId: request.account.id, identifiers: [] },
          { kind: 'certificate', serial: certificate.serial, issuerId: issuerId as never },
          reason,
        );
      }
      if (summary.revoked === 0)
        throw new AcmeProblem('alreadyRevoked', 'the certificate is revoked already');
    } catch (error) {
      if (isPkiError(error, 'CERT_REVOKED')) {
        throw new AcmeProblem('alreadyRevoked', 'the certificate is revoked already', { cause: error });
      }
      throw acmeProblemFor(error, 'unauthorized');
    }
    return { status: 200 };
  }
}

function revocationReason(value: unknown): RevocationReason {
  if (value === undefined) return 'unspecified';
  const reason = typeof value === 'number' ? SUBSCRIBER_REASONS.get(value) : undefined;
  if (reason === undefined) {
    throw new AcmeProblem(
      'badRevocationReason',
      'the reason is not an RFC 5280 CRLReason a subscriber may give',
    );
  }
  return reason;
}
