import type { IAsnConverter } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';

/**
 * INTEGER ⇄ `number`, always. asn1-schema's default INTEGER converter returns a decimal *string* once the
 * encoding is 4 bytes or longer, which OpenSSL's CMP `errorCode` (e.g. 0x1D00009E) already is; a field typed
 * `number` must then hold a number. Values outside the safe-integer range are refused (the decoder reports
 * them as MALFORMED_INPUT) rather than rounded, so what we re-encode is what we read.
 */
export const SafeIntegerConverter: IAsnConverter<number, asn1js.Integer> = {
  fromASN: (value: asn1js.Integer): number => {
    const big = value.toBigInt();
    const result = Number(big);
    if (!Number.isSafeInteger(result)) throw new RangeError('INTEGER outside the safe-integer range');
    return result;
  },
  toASN: (value: number): asn1js.Integer => asn1js.Integer.fromBigInt(value),
};
