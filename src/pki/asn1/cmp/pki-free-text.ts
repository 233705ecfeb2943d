import { AsnArray, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';

/**
 * RFC 9810 §5.1.1, human-readable text, each string optionally in the language of a tag (RFC 5646).
 *
 * ```asn1
 * PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Utf8String })
export class PKIFreeText extends AsnArray<string> {
  constructor(items?: string[]) {
    super(items);
    Object.setPrototypeOf(this, PKIFreeText.prototype);
  }
}
