import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { CertStatus } from './cert-status.js';

/**
 * RFC 9810 §5.3.18, the body of a certConf.
 *
 * ```asn1
 * CertConfirmContent ::= SEQUENCE OF CertStatus
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertStatus })
export class CertConfirmContent extends AsnArray<CertStatus> {
  constructor(items?: CertStatus[]) {
    super(items);
    Object.setPrototypeOf(this, CertConfirmContent.prototype);
  }
}
