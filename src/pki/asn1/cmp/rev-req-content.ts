import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { RevDetails } from './rev-details.js';

/**
 * RFC 9810 §5.3.9, the body of an rr.
 *
 * ```asn1
 * RevReqContent ::= SEQUENCE OF RevDetails
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: RevDetails })
export class RevReqContent extends AsnArray<RevDetails> {
  constructor(items?: RevDetails[]) {
    super(items);
    Object.setPrototypeOf(this, RevReqContent.prototype);
  }
}
