import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { POPOPrivKey } from './popo-priv-key.js';
import { POPOSigningKey } from './popo-signing-key.js';

/**
 * RFC 4211 §4. IMPLICIT TAGS: `[0]` and `[1]` replace the NULL and SEQUENCE tags; POPOPrivKey is a CHOICE, so
 * `[2]` and `[3]` are explicit. `raVerified` is `null` when chosen (ASN.1 NULL has no value).
 *
 * ```asn1
 * ProofOfPossession ::= CHOICE {
 *   raVerified       [0] NULL,
 *   signature        [1] POPOSigningKey,
 *   keyEncipherment  [2] POPOPrivKey,
 *   keyAgreement     [3] POPOPrivKey }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class ProofOfPossession {
  @AsnProp({ type: AsnPropTypes.Null, context: 0, implicit: true })
  raVerified?: null;

  @AsnProp({ type: POPOSigningKey, context: 1, implicit: true })
  signature?: POPOSigningKey;

  @AsnProp({ type: POPOPrivKey, context: 2 })
  keyEncipherment?: POPOPrivKey;

  @AsnProp({ type: POPOPrivKey, context: 3 })
  keyAgreement?: POPOPrivKey;

  constructor(params: Partial<ProofOfPossession> = {}) {
    Object.assign(this, params);
  }
}
