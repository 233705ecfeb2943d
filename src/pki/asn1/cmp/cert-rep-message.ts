import { AsnProp } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { CertResponse } from './cert-response.js';

/**
 * RFC 9810 §5.3.4, the body of ip, cp, kup and ccp.
 *
 * ```asn1
 * CertRepMessage ::= SEQUENCE {
 *   caPubs    [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL,
 *   response  SEQUENCE OF CertResponse }
 * ```
 */
export class CertRepMessage {
  @AsnProp({ type: Certificate, context: 1, repeated: 'sequence', optional: true })
  caPubs?: Certificate[];

  @AsnProp({ type: CertResponse, repeated: 'sequence' })
  response: CertResponse[] = [];

  constructor(params: Partial<CertRepMessage> = {}) {
    Object.assign(this, params);
  }
}
