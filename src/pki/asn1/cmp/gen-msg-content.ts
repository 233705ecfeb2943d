import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { InfoTypeAndValue } from './info-type-and-value.js';

/**
 * RFC 9810 §5.3.19, the body of a genm: the items asked for (often a type without value).
 *
 * ```asn1
 * GenMsgContent ::= SEQUENCE OF InfoTypeAndValue
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: InfoTypeAndValue })
export class GenMsgContent extends AsnArray<InfoTypeAndValue> {
  constructor(items?: InfoTypeAndValue[]) {
    super(items);
    Object.setPrototypeOf(this, GenMsgContent.prototype);
  }
}
