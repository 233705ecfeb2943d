import { AsnProp } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { CertId } from '../crmf/cert-id.js';
import { PKIStatusInfo } from './pki-status-info.js';

/**
 * RFC 9810 §5.3.10, the body of an rp: one status per RevDetails, in order.
 *
 * ```asn1
 * RevRepContent ::= SEQUENCE {
 *   status    SEQUENCE SIZE (1..MAX) OF PKIStatusInfo,
 *   revCerts  [0] SEQUENCE SIZE (1..MAX) OF CertId OPTIONAL,
 *   crls      [1] SEQUENCE SIZE (1..MAX) OF CertificateList OPTIONAL }
 * ```
 */
export class RevRepContent {
  @AsnProp({ type: PKIStatusInfo, repeated: 'sequence' })
  status: PKIStatusInfo[] = [];

  @AsnProp({ type: CertId, context: 0, repeated: 'sequence', optional: true })
  revCerts?: CertId[];

  @AsnProp({ type: CertificateList, context: 1, repeated: 'sequence', optional: true })
  crls?: CertificateList[];

  constructor(params: Partial<RevRepContent> = {}) {
    Object.assign(this, params);
  }
}
