import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { SafeIntegerConverter } from '../crmf/safe-integer-converter.js';
import { PKIStatusInfo } from './pki-status-info.js';

/**
 * RFC 9810 §5.3.18, the requester's verdict on one issued certificate: the hash of the certificate (with the
 * certificate's signature hash, or `hashAlg` when given, pvno 3) and whether it is accepted.
 *
 * ```asn1
 * CertStatus ::= SEQUENCE {
 *   certHash    OCTET STRING,
 *   certReqId   INTEGER,
 *   statusInfo  PKIStatusInfo OPTIONAL,
 *   hashAlg     [0] AlgorithmIdentifier OPTIONAL }
 * ```
 */
export class CertStatus {
  @AsnProp({ type: AsnPropTypes.OctetString })
  certHash: ArrayBuffer = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter })
  certReqId = 0;

  @AsnProp({ type: PKIStatusInfo, optional: true })
  statusInfo?: PKIStatusInfo;

  @AsnProp({ type: AlgorithmIdentifier, context: 0, optional: true })
  hashAlg?: AlgorithmIdentifier;

  constructor(params: Partial<CertStatus> = {}) {
    Object.assign(this, params);
  }
}
