import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { RawAnyConverter } from '../crmf/raw-any-converter.js';
import { CertOrEncCert } from './cert-or-enc-cert.js';

/**
 * RFC 9810 §5.3.4. `privateKey` (EncryptedKey, for central key generation) and `publicationInfo`
 * (PKIPublicationInfo) are kept as their DER bytes.
 *
 * ```asn1
 * CertifiedKeyPair ::= SEQUENCE {
 *   certOrEncCert    CertOrEncCert,
 *   privateKey       [0] EncryptedKey       OPTIONAL,
 *   publicationInfo  [1] PKIPublicationInfo OPTIONAL }
 * ```
 */
export class CertifiedKeyPair {
  @AsnProp({ type: CertOrEncCert })
  certOrEncCert = new CertOrEncCert();

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 0, optional: true })
  privateKey?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 1, optional: true })
  publicationInfo?: ArrayBuffer;

  constructor(params: Partial<CertifiedKeyPair> = {}) {
    Object.assign(this, params);
  }
}
