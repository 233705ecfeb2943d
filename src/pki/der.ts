import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { PkiError } from '../core/pki-error.js';

type Schema<T> = new () => T;

/**
 * Decodes one whole DER value into a schema object. Trailing bytes, truncation and structures that do not fit
 * the schema all become MALFORMED_INPUT naming `what`, so a caller never sees a library's raw exception.
 */
export function decodeDer<T>(bytes: Uint8Array, schema: Schema<T>, what: string): T {
  return decodeDerWithTree(bytes, schema, what).value;
}

/**
 * As {@link decodeDer}, also returning the asn1js tree, whose nodes keep the exact bytes each field was
 * decoded from (`valueBeforeDecodeView`): signatures are checked over those bytes, never a re-encoding.
 */
export function decodeDerWithTree<T>(
  bytes: Uint8Array,
  schema: Schema<T>,
  what: string,
): { value: T; tree: asn1js.AsnType } {
  if (bytes.length === 0) {
    throw new PkiError('MALFORMED_INPUT', `${what}: empty input`);
  }
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes);
  } catch (error) {
    // asn1js throws on some malformed primitives (e.g. an odd-length BMPString) instead of reporting them.
    throw new PkiError('MALFORMED_INPUT', `${what}: not valid DER`, { cause: error });
  }
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
    return { value: AsnParser.fromASN<T>(parsed.result, schema), tree: parsed.result };
  } catch (error) {
    throw new PkiError('MALFORMED_INPUT', `${what}: DER does not match the expected structure`, {
      cause: error,
    });
  }
}

export function encodeDer(value: unknown): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

/** A plain Uint8Array view (never a Buffer, so values compare equal wherever they came from). */
export function toBytes(buffer: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (ArrayBuffer.isView(buffer)) {
    if (buffer.constructor === Uint8Array) return buffer as Uint8Array;
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
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

/** The exact DER bytes of the `path`-th nested child of an asn1js tree (e.g. [0, 5] = tbs → subject). */
export function rawChild(tree: asn1js.AsnType, path: readonly number[], what: string): Uint8Array {
  let node: asn1js.AsnType = tree;
  for (const index of path) {
    const children = (node.valueBlock as { value?: unknown }).value;
    const child = Array.isArray(children) ? (children[index] as asn1js.AsnType | undefined) : undefined;
    if (!child) throw new PkiError('MALFORMED_INPUT', `${what}: missing field`);
    node = child;
  }
  return new Uint8Array(node.valueBeforeDecodeView);
}

/** DER of a bare OBJECT IDENTIFIER. */
export function encodeOid(oid: string): Uint8Array {
  return new Uint8Array(new asn1js.ObjectIdentifier({ value: oid }).toBER());
}
