import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';

/**
 * RFC 4108 §5, an otherName (id-on-hardwareModuleName, 1.3.6.1.5.5.7.8.4) naming a hardware module by its type
 * and serial number; IEEE 802.1AR uses it in DevID certificates.
 *
 * ```asn1
 * HardwareModuleName ::= SEQUENCE {
 *   hwType OBJECT IDENTIFIER,
 *   hwSerialNum OCTET STRING }
 * ```
 */
export class HardwareModuleName {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  hwType = '';

  @AsnProp({ type: AsnPropTypes.OctetString })
  hwSerialNum: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<HardwareModuleName> = {}) {
    Object.assign(this, params);
  }
}
