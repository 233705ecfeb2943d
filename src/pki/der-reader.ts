import { PkiError } from '../core/pki-error.js';

/** One TLV located inside a buffer. `start` is the tag's offset; `end` is one past the value. */
export interface TlvSpan {
  readonly tag: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/**
 * Locates the TLV at `offset` without decoding it: the hot path uses this to slice raw fields (a SPKI's key
 * bits) out of DER that a schema parser has already validated. Single-byte tags and definite lengths only.
 */
export function readTlv(bytes: Uint8Array, offset: number): TlvSpan {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) {
    throw new PkiError('MALFORMED_INPUT', 'DER: truncated or unsupported tag');
  }
  let length = first;
  let valueStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 3) throw new PkiError('MALFORMED_INPUT', 'DER: unsupported length form');
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | (bytes[valueStart + i] ?? 0);
    valueStart += count;
  }
  const end = valueStart + length;
  if (end > bytes.length) throw new PkiError('MALFORMED_INPUT', 'DER: value runs past the end of the input');
  return { tag, start: offset, valueStart, end };
}

/** The subjectPublicKey bits of a DER SubjectPublicKeyInfo (SEQUENCE { AlgorithmIdentifier, BIT STRING }). */
export function spkiKeyBits(spkiDer: Uint8Array): Uint8Array {
  const outer = readTlv(spkiDer, 0);
  const algorithm = readTlv(spkiDer, outer.valueStart);
  const bits = readTlv(spkiDer, algorithm.end);
  if (outer.tag !== 0x30 || algorithm.tag !== 0x30 || bits.tag !== 0x03) {
    throw new PkiError('MALFORMED_INPUT', 'SubjectPublicKeyInfo: unexpected structure');
  }
  // Skip the unused-bits octet; key bit strings are always whole octets.
  return spkiDer.subarray(bits.valueStart + 1, bits.end);
}
