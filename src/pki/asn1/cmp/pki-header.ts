import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, GeneralName } from '@peculiar/asn1-x509';
import { SafeIntegerConverter } from '../crmf/safe-integer-converter.js';
import { InfoTypeAndValue } from './info-type-and-value.js';
import { PKIFreeText } from './pki-free-text.js';

/**
 * RFC 9810 §5.1.1. The module is EXPLICIT TAGS: each `[n]` wraps the whole field. `pvno` is 2 (cmp2000), or 3
 * (cmp2021) when the message needs RFC 9810's EnvelopedData features. RFC 9483 §3.1 makes messageTime,
 * transactionID (16 octets) and senderNonce (16 octets) mandatory in practice.
 *
 * ```asn1
 * PKIHeader ::= SEQUENCE {
 *   pvno           INTEGER { cmp1999(1), cmp2000(2), cmp2021(3) },
 *   sender         GeneralName,
 *   recipient      GeneralName,
 *   messageTime    [0] GeneralizedTime          OPTIONAL,
 *   protectionAlg  [1] AlgorithmIdentifier      OPTIONAL,
 *   senderKID      [2] KeyIdentifier            OPTIONAL,
 *   recipKID       [3] KeyIdentifier            OPTIONAL,
 *   transactionID  [4] OCTET STRING             OPTIONAL,
 *   senderNonce    [5] OCTET STRING             OPTIONAL,
 *   recipNonce     [6] OCTET STRING             OPTIONAL,
 *   freeText       [7] PKIFreeText              OPTIONAL,
 *   generalInfo    [8] SEQUENCE SIZE (1..MAX) OF InfoTypeAndValue OPTIONAL }
 * ```
 */
export class PKIHeader {
  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter })
  pvno = 2;

  @AsnProp({ type: GeneralName })
  sender = new GeneralName();

  @AsnProp({ type: GeneralName })
  recipient = new GeneralName();

  @AsnProp({ type: AsnPropTypes.GeneralizedTime, context: 0, optional: true })
  messageTime?: Date;

  @AsnProp({ type: AlgorithmIdentifier, context: 1, optional: true })
  protectionAlg?: AlgorithmIdentifier;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 2, optional: true })
  senderKID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 3, optional: true })
  recipKID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 4, optional: true })
  transactionID?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 5, optional: true })
  senderNonce?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.OctetString, context: 6, optional: true })
  recipNonce?: ArrayBuffer;

  @AsnProp({ type: PKIFreeText, context: 7, optional: true })
  freeText?: PKIFreeText;

  @AsnProp({ type: InfoTypeAndValue, context: 8, repeated: 'sequence', optional: true })
  generalInfo?: InfoTypeAndValue[];

  constructor(params: Partial<PKIHeader> = {}) {
    Object.assign(this, params);
  }
}
