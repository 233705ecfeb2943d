import type { IAsnConverter } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';

/**
 * ANY ⇄ the value's own DER bytes, always. asn1-schema's default ANY converter turns an ASN.1 NULL into
 * `null` instead of its bytes `05 00`, so a field typed `ArrayBuffer` could hold `null`; this one keeps every
 * value as the exact TLV that was read, for a later decode with the schema its OID or tag calls for.
 */
export const RawAnyConverter: IAsnConverter<ArrayBuffer> = {
  fromASN: (value: asn1js.AsnType): ArrayBuffer => value.valueBeforeDecodeView.slice().buffer,
  toASN: (value: ArrayBuffer): asn1js.AsnType => {
    const parsed = asn1js.fromBER(value);
    if (parsed.offset === -1 || parsed.result.error) {
      throw new TypeError(`ANY value is not one DER value (${parsed.result.error || 'truncated'})`);
    }
    if (parsed.offset !== value.byteLength) throw new TypeError('ANY value has trailing bytes');
    return parsed.result;
  },
};
