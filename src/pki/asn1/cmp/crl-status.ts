import { AsnProp } from '@peculiar/asn1-schema';
import { Time } from '@peculiar/asn1-x509';
import { CRLSource } from './crl-source.js';

/**
 * RFC 9810 §5.3.19 (id-it-crlStatusList), a CRL the requester holds, by source and thisUpdate, so the
 * answer (id-it-crls) carries only newer ones.
 *
 * ```asn1
 * CRLStatus ::= SEQUENCE {
 *   source      CRLSource,
 *   thisUpdate  Time OPTIONAL }
 * ```
 */
export class CRLStatus {
  @AsnProp({ type: CRLSource })
  source = new CRLSource();

  @AsnProp({ type: Time, optional: true })
  thisUpdate?: Time;

  constructor(params: Partial<CRLStatus> = {}) {
    Object.assign(this, params);
  }
}
