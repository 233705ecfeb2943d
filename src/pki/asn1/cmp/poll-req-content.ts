import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { SafeIntegerConverter } from '../crmf/safe-integer-converter.js';

/** RFC 9810 §5.3.22, one element of PollReqContent (an unnamed SEQUENCE in the RFC). */
export class PollReqEntry {
  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter })
  certReqId = 0;

  constructor(params: Partial<PollReqEntry> = {}) {
    Object.assign(this, params);
  }
}

/**
 * RFC 9810 §5.3.22, the body of a pollReq: the requests whose answer was "waiting".
 *
 * ```asn1
 * PollReqContent ::= SEQUENCE OF SEQUENCE {
 *   certReqId  INTEGER }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: PollReqEntry })
export class PollReqContent extends AsnArray<PollReqEntry> {
  constructor(items?: PollReqEntry[]) {
    super(items);
    Object.setPrototypeOf(this, PollReqContent.prototype);
  }
}
