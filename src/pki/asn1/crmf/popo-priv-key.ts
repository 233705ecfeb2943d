import { EnvelopedData } from '@peculiar/asn1-cms';
import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { PKMACValue } from './pkmac-value.js';
import { SafeIntegerConverter } from './safe-integer-converter.js';

/**
 * RFC 4211 §4.2 as updated by RFC 9810 §5.2.8 (which adds `encryptedKey`), proof of possession of a key that
 * cannot sign. All tags are implicit (no alternative is itself a CHOICE).
 *
 * ```asn1
 * POPOPrivKey ::= CHOICE {
 *   thisMessage        [0] BIT STRING,         -- deprecated
 *   subsequentMessage  [1] SubsequentMessage,  -- INTEGER { encrCert (0), challengeResp (1) }
 *   dhMAC              [2] BIT STRING,         -- deprecated
 *   agreeMAC           [3] PKMACValue,
 *   encryptedKey       [4] EnvelopedData }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class POPOPrivKey {
  @AsnProp({ type: AsnPropTypes.BitString, context: 0, implicit: true })
  thisMessage?: ArrayBuffer;

  @AsnProp({ type: AsnPropTypes.Integer, converter: SafeIntegerConverter, context: 1, implicit: true })
  subsequentMessage?: number;

  @AsnProp({ type: AsnPropTypes.BitString, context: 2, implicit: true })
  dhMAC?: ArrayBuffer;

  @AsnProp({ type: PKMACValue, context: 3, implicit: true })
  agreeMAC?: PKMACValue;

  @AsnProp({ type: EnvelopedData, context: 4, implicit: true })
  encryptedKey?: EnvelopedData;

  constructor(params: Partial<POPOPrivKey> = {}) {
    Object.assign(this, params);
  }
}
