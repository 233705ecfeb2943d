import { AsnArray, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';

/**
 * A SET OF values of any type, each kept as the exact DER it was read from (asn1-schema's ANY). Lets a reader
 * take elements it does not interpret, or must not re-encode, such as certificates whose signatures cover their
 * bytes.
 *
 * ```asn1
 * DerValueSet ::= SET OF ANY
 * ```
 */
@AsnType({ type: AsnTypeTypes.Set, itemType: AsnPropTypes.Any })
export class DerValueSet extends AsnArray<ArrayBuffer> {
  constructor(items?: ArrayBuffer[]) {
    super(items);
    Object.setPrototypeOf(this, DerValueSet.prototype);
  }
}
