import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { PkiError } from '../core/pki-error.js';

type Schema<T> = new () => T;

/**
 * Decodes one whole DER value into a schema object. Trailing bytes, truncation and structures that do not fit
 * the schema all become MALFORMED_INPUT naming `what`, so a caller never sees a library's raw exception.
 */
export function decodeDer<T>(bytes: Uint8Array, schema: Schema<T>, what: string): T {
  if (bytes.length === 0) {
    throw new PkiError('MALFORMED_INPUT', `${what}: empty input`);
  }
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || parsed.result.error) {
    throw new PkiError('MALFORMED_INPUT', `${what}: not valid DER (${parsed.result.error || 'truncated'})`);
  }
  if (parsed.offset !== bytes.length) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `${what}: ${bytes.length - parsed.offset} unexpected bytes after the DER value`,
    );
  }
  try {
    return AsnParser.fromASN<T>(parsed.result, schema);
  } catch (error) {
    throw new PkiError('MALFORMED_INPUT', `${what}: DER does not match the expected structure`, {
      cause: error,
    });
  }
}

export function encodeDer(value: unknown): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

export function toBytes(buffer: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return new Uint8Array(buffer);
}

/** Copies bytes into a fresh ArrayBuffer, the form the asn1 schemas hold. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex))
    throw new PkiError('MALFORMED_INPUT', 'not an even-length hex string');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
