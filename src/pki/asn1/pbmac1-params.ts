import { AsnProp } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/**
 * RFC 8018 §A.5. The key derivation function is PBKDF2, whose parameters are {@link Pbkdf2Params}
 * (asn1/pbkdf2-params.ts); RFC 9481 §6.1.1 requires their keyLength to be present.
 *
 * ```asn1
 * PBMAC1-params ::= SEQUENCE {
 *   keyDerivationFunc AlgorithmIdentifier {{PBMAC1-KDFs}},
 *   messageAuthScheme AlgorithmIdentifier {{PBMAC1-MACs}} }
 * ```
 */
export class Pbmac1Params {
  @AsnProp({ type: AlgorithmIdentifier })
  keyDerivationFunc = new AlgorithmIdentifier();

  @AsnProp({ type: AlgorithmIdentifier })
  messageAuthScheme = new AlgorithmIdentifier();

  constructor(params: Partial<Pbmac1Params> = {}) {
    Object.assign(this, params);
  }
}
