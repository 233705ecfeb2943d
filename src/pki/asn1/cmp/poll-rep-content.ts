import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { SafeIntegerConverter } from '../crmf/safe-integer-converter.js';
import { PKIFreeText } from './pki-free-text.js';

/** RFC 9810 §5.3.22, one element of PollRepContent (an unnamed SEQUENCE in the RFC). */
export class PollRepEntry {
  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter })
  certReqId = 0;

  /** Seconds the requester should wait before polling again. */
  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter })
  checkAfter = 0;

  @AsnProp({ type: PKIFreeText, optional: true })
  reason?: PKIFreeText;

  constructor(params: Partial<PollRepEntry> = {}) {
    Object.assign(this, params);
  }
}

/**
 * RFC 9810 §5.3.22, the body of a pollRep: "not yet, ask again after checkAfter seconds".
 *
 * ```asn1
 * PollRepContent ::= SEQUENCE OF SEQUENCE {
 *   certReqId   INTEGER,
 *   checkAfter  INTEGER,  -- time in seconds
 *   reason      PKIFreeText OPTIONAL }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: PollRepEntry })
export class PollRepContent extends AsnArray<PollRepEntry> {
  constructor(items?: PollRepEntry[]) {
    super(items);
    Object.setPrototypeOf(this, PollRepContent.prototype);
  }
}
