import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { Attribute } from '@peculiar/asn1-x509';

/**
 * RFC 7030 §4.5.2 (unchanged by RFC 9908 §3.2), one item of a CSR Attributes response: a bare OID (e.g.
 * challengePassword, a signature algorithm, a subject attribute to fill in) or an attribute with values (e.g. the
 * key type with its curve, or extensionRequest with the extensions to include).
 *
 * ```asn1
 * AttrOrOID ::= CHOICE {
 *   oid        OBJECT IDENTIFIER,
 *   attribute  Attribute {{AttrSet}} }
 *
 * Attribute { ATTRIBUTE:IOSet } ::= SEQUENCE {
 *   type   ATTRIBUTE.&id({IOSet}),
 *   values SET SIZE(1..MAX) OF ATTRIBUTE.&Type({IOSet}{@type}) }
 * ```
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class AttrOrOid {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  oid?: string;

  @AsnProp({ type: Attribute })
  attribute?: Attribute;

  constructor(params: Partial<AttrOrOid> = {}) {
    Object.assign(this, params);
  }
}
