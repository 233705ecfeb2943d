import { AsnProp } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';

/**
 * RFC 9810 §5.3.19 (id-it-rootCaKeyUpdate), a new root CA certificate with the link certificates that let
 * holders of the old root trust it, and back.
 *
 * ```asn1
 * RootCaKeyUpdateContent ::= SEQUENCE {
 *   newWithNew  CMPCertificate,
 *   newWithOld  [0] CMPCertificate OPTIONAL,
 *   oldWithNew  [1] CMPCertificate OPTIONAL }
 * ```
 */
export class RootCaKeyUpdateContent {
  @AsnProp({ type: Certificate })
  newWithNew = new Certificate();

  @AsnProp({ type: Certificate, context: 0, optional: true })
  newWithOld?: Certificate;

  @AsnProp({ type: Certificate, context: 1, optional: true })
  oldWithNew?: Certificate;

  constructor(params: Partial<RootCaKeyUpdateContent> = {}) {
    Object.assign(this, params);
  }
}
