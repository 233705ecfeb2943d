import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue } from './attribute-type-and-value.js';

/**
 * RFC 4211 §6, registration controls of a CertRequest (regToken, authenticator, oldCertID, …).
 *
 * ```asn1
 * Controls ::= SEQUENCE SIZE(1..MAX) OF AttributeTypeAndValue
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AttributeTypeAndValue })
export class Controls extends AsnArray<AttributeTypeAndValue> {
  constructor(items?: AttributeTypeAndValue[]) {
    super(items);
    Object.setPrototypeOf(this, Controls.prototype);
  }
}
