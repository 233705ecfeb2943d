import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { PKIBody } from './pki-body.js';
import { PKIHeader } from './pki-header.js';
import { PKIMessages } from './pki-messages.js';

/**
 * RFC 9810 §5.1, the unit every CMP exchange sends. `protection` (PKIProtection, a BIT STRING) is a MAC or
 * signature over the DER of ProtectedPart { header, body }: verify it over the bytes received (decodeDerWithTree),
 * never a re-encoding. `extraCerts` (CMPCertificate is Certificate here) carries the signer's chain first.
 *
 * ```asn1
 * PKIMessage ::= SEQUENCE {
 *   header      PKIHeader,
 *   body        PKIBody,
 *   protection  [0] PKIProtection OPTIONAL,
 *   extraCerts  [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL }
 * PKIProtection ::= BIT STRING
 * ```
 */
export class PKIMessage {
  @AsnProp({ type: PKIHeader })
  header = new PKIHeader();

  @AsnProp({ type: PKIBody })
  body = new PKIBody();

  @AsnProp({ type: AsnPropTypes.BitString, context: 0, optional: true })
  protection?: ArrayBuffer;

  @AsnProp({ type: Certificate, context: 1, repeated: 'sequence', optional: true })
  extraCerts?: Certificate[];

  constructor(params: Partial<PKIMessage> = {}) {
    Object.assign(this, params);
  }
}

// Closes the recursion through `nested` (see pki-messages.ts): PKIMessages ::= SEQUENCE SIZE (1..MAX) OF PKIMessage,
// for the decoder here and for the type checker below.
AsnType({ type: AsnTypeTypes.Sequence, itemType: PKIMessage })(PKIMessages);

declare module './pki-messages.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging, see pki-messages.ts
  interface NestedPKIMessage extends PKIMessage {}
}
