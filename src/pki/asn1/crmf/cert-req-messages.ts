import { AsnArray, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { CertReqMsg } from './cert-req-msg.js';

/**
 * RFC 4211 §3, the body of ir, cr, kur, krr and ccr (RFC 9810 §5.1.2).
 *
 * ```asn1
 * CertReqMessages ::= SEQUENCE SIZE (1..MAX) OF CertReqMsg
 * ```
 */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertReqMsg })
export class CertReqMessages extends AsnArray<CertReqMsg> {
  constructor(items?: CertReqMsg[]) {
    super(items);
    Object.setPrototypeOf(this, CertReqMessages.prototype);
  }
}
