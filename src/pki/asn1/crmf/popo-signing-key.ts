import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { POPOSigningKeyInput } from './popo-signing-key-input.js';

/**
 * RFC 4211 §4.1, proof of possession by signature: over the DER of the CertRequest, or of `poposkInput` when
 * present. The module is IMPLICIT TAGS, so `[0]` replaces the SEQUENCE tag of POPOSigningKeyInput.
 *
 * ```asn1
 * POPOSigningKey ::= SEQUENCE {
 *   poposkInput          [0] POPOSigningKeyInput OPTIONAL,
 *   algorithmIdentifier  AlgorithmIdentifier,
 *   signature            BIT STRING }
 * ```
 */
export class POPOSigningKey {
  @AsnProp({ type: POPOSigningKeyInput, context: 0, implicit: true, optional: true })
  poposkInput?: POPOSigningKeyInput;

  @AsnProp({ type: AlgorithmIdentifier })
  algorithmIdentifier = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.BitString })
  signature: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<POPOSigningKey> = {}) {
    Object.assign(this, params);
  }
}
