import { AsnProp } from '@peculiar/asn1-schema';
import { Extensions } from '@peculiar/asn1-x509';
import { CertTemplate } from '../crmf/cert-template.js';

/**
 * RFC 9810 §5.3.9, one certificate to revoke, named in a template (issuer and serialNumber, RFC 9483 §4.2),
 * with the CRL entry extensions asked for (reasonCode, …).
 *
 * ```asn1
 * RevDetails ::= SEQUENCE {
 *   certDetails      CertTemplate,
 *   crlEntryDetails  Extensions OPTIONAL }
 * ```
 */
export class RevDetails {
  @AsnProp({ type: CertTemplate })
  certDetails = new CertTemplate();

  @AsnProp({ type: Extensions, optional: true })
  crlEntryDetails?: Extensions;

  constructor(params: Partial<RevDetails> = {}) {
    Object.assign(this, params);
  }
}
