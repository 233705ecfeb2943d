import type { IssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { assembleCrl, type CrlEntry, encodeTbsCertList } from '../pki/crl.js';
import type { OnlineIssuer } from './online-issuer.js';

export interface CrlContent {
  readonly crlNumber: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: readonly CrlEntry[];
}

/** Signs CRLs with an online issuer's key (RFC 5280 §5); what goes in them is the revocation module's business. */
export class CrlSigner {
  constructor(private readonly issuers: ReadonlyMap<IssuerId, OnlineIssuer>) {}

  async sign(issuerId: IssuerId, content: CrlContent): Promise<Uint8Array> {
    const issuer = this.issuers.get(issuerId);
    if (!issuer) throw new PkiError('NOT_FOUND', `no online issuer '${issuerId}'`);
    const keyId = issuer.certificate.extensions.subjectKeyId;
    if (!keyId) throw new PkiError('CONFIG_INVALID', `issuer '${issuerId}' has no subject key identifier`);
    const { signatureAlgorithm } = issuer.signer;
    const tbs = encodeTbsCertList({
      signatureAlgorithm,
      issuerDer: issuer.certificate.subjectDer,
      authorityKeyId: keyId,
      ...content,
    });
    return assembleCrl(tbs, signatureAlgorithm, await issuer.signer.sign(tbs));
  }
}
