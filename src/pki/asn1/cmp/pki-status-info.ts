import { AsnProp, AsnPropTypes, BitString } from '@peculiar/asn1-schema';
import { SafeIntegerConverter } from '../crmf/safe-integer-converter.js';
import { PKIFreeText } from './pki-free-text.js';

/**
 * RFC 9810 §5.2.3. `status` is a PKI_STATUS value; `failInfo` is read with decodeFailureInfo and written with
 * encodeFailureInfo (it keeps its unused-bit count, which the DER form depends on).
 *
 * ```asn1
 * PKIStatusInfo ::= SEQUENCE {
 *   status        PKIStatus,
 *   statusString  PKIFreeText     OPTIONAL,
 *   failInfo      PKIFailureInfo  OPTIONAL }
 * ```
 */
export class PKIStatusInfo {
  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter })
  status = 0;

  @AsnProp({ type: PKIFreeText, optional: true })
  statusString?: PKIFreeText;

  @AsnProp({ type: BitString, optional: true })
  failInfo?: BitString;

  constructor(params: Partial<PKIStatusInfo> = {}) {
    Object.assign(this, params);
  }
}
