import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { CRLStatus } from './crl-status.js';

/**
 * RFC 9810 §5.3.19.16, the value of a genm id-it-crlStatusList.
 *
 * ```asn1
 * CRLStatusListValue ::= SEQUENCE SIZE (1..MAX) OF CRLStatus
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CRLStatus })
export class CrlStatusList extends AsnArray<CRLStatus> {
  constructor(items?: CRLStatus[]) {
    super(items);
    Object.setPrototypeOf(this, CrlStatusList.prototype);
  }
}
