import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { RawAnyConverter } from '../crmf/raw-any-converter.js';

/**
 * RFC 9810 §5.3.4. CMPCertificate is Certificate (the extended form is not used). `encryptedCert` (an
 * EncryptedKey CHOICE: EncryptedValue or [0] EnvelopedData) is kept as its DER bytes: we never send it.
 *
 * ```asn1
 * CertOrEncCert ::= CHOICE {
 *   certificate    [0] CMPCertificate,
 *   encryptedCert  [1] EncryptedKey }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class CertOrEncCert {
  @AsnProp({ type: Certificate, context: 0 })
  certificate?: Certificate;

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, context: 1 })
  encryptedCert?: ArrayBuffer;

  constructor(params: Partial<CertOrEncCert> = {}) {
    Object.assign(this, params);
  }
}
