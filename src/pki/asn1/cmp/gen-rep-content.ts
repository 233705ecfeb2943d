import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { InfoTypeAndValue } from './info-type-and-value.js';

/**
 * RFC 9810 §5.3.20, the body of a genp: the items answered.
 *
 * ```asn1
 * GenRepContent ::= SEQUENCE OF InfoTypeAndValue
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: InfoTypeAndValue })
export class GenRepContent extends AsnArray<InfoTypeAndValue> {
  constructor(items?: InfoTypeAndValue[]) {
    super(items);
    Object.setPrototypeOf(this, GenRepContent.prototype);
  }
}
