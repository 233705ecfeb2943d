import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { CertTemplate } from './cert-template.js';
import { Controls } from './controls.js';
import { SafeIntegerConverter } from './safe-integer-converter.js';

/**
 * RFC 4211 §5. `certReqId` matches the request to its response (RFC 9483 §4.1.1: 0 for the one request of a
 * message; -1 marks a p10cr in responses).
 *
 * ```asn1
 * CertRequest ::= SEQUENCE {
 *   certReqId     INTEGER,
 *   certTemplate  CertTemplate,
 *   controls      Controls OPTIONAL }
 * ```
 */
export class CertRequest {
  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter })
  certReqId = 0;

  @AsnProp({ type: CertTemplate })
  certTemplate = new CertTemplate();

  @AsnProp({ type: Controls, optional: true })
  controls?: Controls;

  constructor(params: Partial<CertRequest> = {}) {
    Object.assign(this, params);
  }
}
