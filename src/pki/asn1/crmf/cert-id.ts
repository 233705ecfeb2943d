import { AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { GeneralName } from '@peculiar/asn1-x509';

/**
 * RFC 4211 §6.5, a certificate named by issuer and serial (oldCertID control; revCerts of an rp). The serial
 * keeps its INTEGER bytes.
 *
 * ```asn1
 * CertId ::= SEQUENCE {
 *   issuer        GeneralName,
 *   serialNumber  INTEGER }
 * ```
 */
export class CertId {
  @AsnProp({ type: GeneralName })
  issuer = new GeneralName();

  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })
  serialNumber: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<CertId> = {}) {
    Object.assign(this, params);
  }
}
