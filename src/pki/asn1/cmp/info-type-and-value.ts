import { AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { RawAnyConverter } from '../crmf/raw-any-converter.js';

/**
 * RFC 9810 §5.3.19, one item of generalInfo, genm or genp: the value is kept as its DER bytes, to be decoded
 * with the schema its `infoType` (cmp-oids.ts) calls for. A genm asking for an item sends the type alone.
 *
 * ```asn1
 * InfoTypeAndValue ::= SEQUENCE {
 *   infoType   INFO-TYPE-AND-VALUE.&id({SupportedInfoSet}),
 *   infoValue  INFO-TYPE-AND-VALUE.&Type({SupportedInfoSet}{@infoType}) OPTIONAL }
 * ```
 */
export class InfoTypeAndValue {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  infoType = '';

  @AsnProp({ type: AsnPropTypes.Any, converter: RawAnyConverter, optional: true })
  infoValue?: ArrayBuffer;

  constructor(params: Partial<InfoTypeAndValue> = {}) {
    Object.assign(this, params);
  }
}
