import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/**
 * RFC 9810 §5.1.3.1 (unchanged from RFC 4210): the parameters of PasswordBasedMac, carried in the protectionAlg
 * of a PKIHeader protected with a shared secret.
 *
 * ```asn1
 * PBMParameter ::= SEQUENCE {
 *   salt                OCTET STRING,
 *   owf                 AlgorithmIdentifier{DIGEST-ALGORITHM, {...}},
 *   iterationCount      INTEGER,
 *   mac                 AlgorithmIdentifier{MAC-ALGORITHM, {...}} }
 * ```
 */
export class PBMParameter {
  @AsnProp({ type: AsnPropTypes.OctetString })
  salt: ArrayBuffer = new ArrayBuffer(0);

  @AsnProp({ type: AlgorithmIdentifier })
  owf = new AlgorithmIdentifier();

  @AsnProp({ type: AsnPropTypes.Integer })
  iterationCount = 0;

  @AsnProp({ type: AlgorithmIdentifier })
  mac = new AlgorithmIdentifier();

  constructor(params: Partial<PBMParameter> = {}) {
    Object.assign(this, params);
  }
}
