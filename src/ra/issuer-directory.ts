import type { IssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { TrustStore } from '../pki/chain.js';
import { bytesEqual } from '../pki/der.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';
import type { IssuerRecord } from '../store/records.js';

export interface KnownIssuer {
  readonly record: IssuerRecord;
  readonly certificate: ParsedCertificate;
}

/**
 * The issuers of this deployment, parsed once: which of them signed a presented certificate, and trust stores
 * over them. Built from the issuer registry when the server starts.
 */
export class IssuerDirectory {
  private readonly issuers: readonly KnownIssuer[];
  private readonly hierarchy: TrustStore;

  constructor(records: readonly IssuerRecord[]) {
    this.issuers = records.map((record) => ({
      record,
      certificate: parseCertificate(record.certificateDer),
    }));
    this.hierarchy = new TrustStore(
      this.issuers
        .filter((i) => i.record.role === 'root' && i.record.status === 'active')
        .map((i) => i.certificate),
    );
  }

  get(id: IssuerId): KnownIssuer | undefined {
    return this.issuers.find((i) => i.record.id === id);
  }

  /** The issuer whose subject and key identifier match the certificate's issuer and authority key identifier. */
  issuerOf(certificate: ParsedCertificate): KnownIssuer | undefined {
    const aki = certificate.extensions.authorityKeyId;
    return this.issuers.find(
      (i) =>
        bytesEqual(i.certificate.subjectDer, certificate.issuerDer) &&
        (aki === undefined ||
          i.certificate.extensions.subjectKeyId === undefined ||
          bytesEqual(aki, i.certificate.extensions.subjectKeyId)),
    );
  }

  /** Our parsed copy of `der` if it is one of our issuer certificates (clients send our intermediates back). */
  known(der: Uint8Array): ParsedCertificate | undefined {
    return this.issuers.find((i) => bytesEqual(i.certificate.der, der))?.certificate;
  }

  /** Our own roots as anchors: validates certificates issued by this deployment. */
  get trustStore(): TrustStore {
    return this.hierarchy;
  }

  /** Our intermediates, to complete chains that clients send without them. */
  get intermediates(): readonly ParsedCertificate[] {
    return this.issuers.filter((i) => i.record.role === 'intermediate').map((i) => i.certificate);
  }

  /**
   * A trust store whose anchors are the named issuers' certificates (e.g. the factory issuer for IDevIDs). An
   * unknown id is CONFIG_INVALID: a typo must not silently leave devices unable to onboard.
   */
  anchorsFor(ids: readonly IssuerId[]): TrustStore {
    return new TrustStore(
      ids.map((id) => {
        const issuer = this.get(id);
        if (!issuer)
          throw new PkiError(
            'CONFIG_INVALID',
            `/est/manufacturerAnchors: no issuer '${id}' (see certfleet ca list)`,
          );
        return issuer.certificate;
      }),
    );
  }
}
