import { AsnProp, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { DistributionPointName, GeneralNames } from '@peculiar/asn1-x509';

/**
 * RFC 9810 §5.3.19 (id-it-crlStatusList), where a CRL the requester holds came from.
 *
 * ```asn1
 * CRLSource ::= CHOICE {
 *   dpn     [0] DistributionPointName,
 *   issuer  [1] GeneralNames }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class CRLSource {
  @AsnProp({ type: DistributionPointName, context: 0 })
  dpn?: DistributionPointName;

  @AsnProp({ type: GeneralNames, context: 1 })
  issuer?: GeneralNames;

  constructor(params: Partial<CRLSource> = {}) {
    Object.assign(this, params);
  }
}
