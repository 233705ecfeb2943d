import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { RawAnyConverter } from './raw-any-converter.js';

/**
 * RFC 4211 appendix B, one registration control or registration-info item (not the X.501 one inside names):
 * the value is kept as its DER bytes, to be decoded by whoever knows its `type` (see crmf-oids.ts).
 *
 * ```asn1
 * AttributeTypeAndValue ::= SEQUENCE {
 *   type         OBJECT IDENTIFIER,
 *   value        ANY DEFINED BY type }
 * ```
 */
export class AttributeTypeAndValue {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  type = '';

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter })
  value: ArrayBuffer = new ArrayBuffer(0);

  constructor(params: Partial<AttributeTypeAndValue> = {}) {
    Object.assign(this, params);
  }
}
