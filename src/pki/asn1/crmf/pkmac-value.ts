import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/**
 * RFC 4211 §4.1, a MAC over the public key keyed by a shared secret (algId is PBM or PBMAC1).
 *
 * ```asn1
 * PKMACValue ::= SEQUENCE {
 *   algId  AlgorithmIdentifier,
 *   value  BIT STRING }
 * ```
 */
export class PKMACValue {
  @AsnProp({ type: AlgorithmIdentifier })
  algId = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.BitString })
  value: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<PKMACValue> = {}) {
    Object.assign(this, params);
  }
}
