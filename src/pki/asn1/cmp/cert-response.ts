import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { SafeIntegerConverter } from '../crmf/safe-integer-converter.js';
import { CertifiedKeyPair } from './certified-key-pair.js';
import { PKIStatusInfo } from './pki-status-info.js';

/**
 * RFC 9810 §5.3.4, the answer to one CertReqMsg (`certReqId` echoes the request's; -1 answers a p10cr).
 *
 * ```asn1
 * CertResponse ::= SEQUENCE {
 *   certReqId         INTEGER,
 *   status            PKIStatusInfo,
 *   certifiedKeyPair  CertifiedKeyPair OPTIONAL,
 *   rspInfo           OCTET STRING     OPTIONAL }
 * ```
 */
export class CertResponse {
  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter })
  certReqId = 0;

  @AsnProp({ type: PKIStatusInfo })
  status = new PKIStatusInfo();

  @AsnProp({ type: CertifiedKeyPair, optional: true })
  certifiedKeyPair?: CertifiedKeyPair;

  @AsnProp({ type: AsnPropTypes.OctetString, optional: true })
  rspInfo?: ArrayBuffer;

  constructor(params: Partial<CertResponse> = {}) {
    Object.assign(this, params);
  }
}
