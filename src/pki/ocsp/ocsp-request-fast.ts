import { ObjectIdentifier } from 'asn1js';
import { isSerialHex } from '../../core/ids.js';
import { bytesEqual } from '../der.js';
import { OID } from '../oids.js';
import { serialToHex } from '../serial.js';
import type { CertIdHash, ParsedCertId } from './cert-id.js';
import { MAX_NONCE_OCTETS } from './ocsp-nonce.js';
import type { ParsedOcspRequest } from './parsed-ocsp-request.js';

/**
 * The OCSP request hot path. Nearly every request a responder sees has one shape: an unsigned v1 request
 * without requestorName, CertIDs without singleRequestExtensions, and at most a nonce extension (what OpenSSL,
 * RFC 9919 clients and Mosquitto/nginx stapling send). Reading that shape by hand costs a few microseconds
 * where the schema decoder costs hundreds (bench/ocsp). Anything else, including every error, returns
 * undefined and goes to the schema parser, which stays the one place that decides what is malformed; the
 * tests hold both to the same answer on valid, mutated and random input (ocsp-request.test.ts).
 */
export function readCanonicalOcspRequest(der: Uint8Array): ParsedOcspRequest | undefined {
  const reader = new StrictDer(der);
  const outer = reader.enter(0x30, 0, der.length);
  if (outer === undefined || outer.end !== der.length) return undefined;
  const tbs = reader.enter(0x30, outer.valueStart, outer.end);
  // A version, requestorName or optionalSignature sends the request to the schema parser.
  if (tbs === undefined || tbs.end !== outer.end) return undefined;
  const list = reader.enter(0x30, tbs.valueStart, tbs.end);
  if (list === undefined || list.valueStart === list.end) return undefined;
  const requests: { certId: ParsedCertId }[] = [];
  for (let offset = list.valueStart; offset < list.end;) {
    const single = reader.enter(0x30, offset, list.end);
    if (single === undefined) return undefined;
    const certId = readCertIdAt(reader, single.valueStart, single.end);
    if (certId === undefined) return undefined;
    requests.push({ certId });
    offset = single.end;
  }
  if (list.end === tbs.end) return { requests, signed: false, der };
  const nonce = readNonceExtensions(reader, list.end, tbs.end);
  return nonce === undefined ? undefined : { requests, nonce, signed: false, der };
}

const HASH_BY_OID_DER = new Map<string, { hash: CertIdHash; oid: string; length: number }>(
  (
    [
      ['sha1', OID.sha1, 20],
      ['sha256', OID.sha256, 32],
    ] as const
  ).map(([hash, oid, length]) => [oidContentHex(oid), { hash, oid, length }]),
);

const NONCE_OID = new Uint8Array(new ObjectIdentifier({ value: OID.ocspNonce }).valueBlock.toBER());

function oidContentHex(oid: string): string {
  return Buffer.from(new ObjectIdentifier({ value: oid }).valueBlock.toBER()).toString('hex');
}

/** A CertID spanning exactly [start, end), in DER, with a supported hash and a positive serial. */
function readCertIdAt(reader: StrictDer, start: number, end: number): ParsedCertId | undefined {
  const certId = reader.enter(0x30, start, end);
  if (certId === undefined || certId.end !== end) return undefined;
  const algorithm = reader.enter(0x30, certId.valueStart, certId.end);
  if (algorithm === undefined) return undefined;
  const oid = reader.enter(0x06, algorithm.valueStart, algorithm.end);
  if (oid === undefined) return undefined;
  const hash = HASH_BY_OID_DER.get(Buffer.from(reader.value(oid)).toString('hex'));
  if (hash === undefined) return undefined;
  if (oid.end !== algorithm.end) {
    const parameters = reader.enter(0x05, oid.end, algorithm.end);
    if (
      parameters === undefined ||
      parameters.end !== algorithm.end ||
      parameters.valueStart !== parameters.end
    )
      return undefined;
  }
  const nameHash = reader.enter(0x04, algorithm.end, certId.end);
  const keyHash = nameHash && reader.enter(0x04, nameHash.end, certId.end);
  const serial = keyHash && reader.enter(0x02, keyHash.end, certId.end);
  if (serial === undefined || serial.end !== certId.end) return undefined;
  if (
    nameHash!.end - nameHash!.valueStart !== hash.length ||
    keyHash!.end - keyHash!.valueStart !== hash.length
  )
    return undefined;
  const magnitude = reader.value(serial);
  // Positive and minimal: the schema path refuses the first and would echo the second as it came.
  if (magnitude.length === 0 || (magnitude[0]! & 0x80) !== 0) return undefined;
  if (magnitude.length > 1 && magnitude[0] === 0 && (magnitude[1]! & 0x80) === 0) return undefined;
  const serialHex = serialToHex(magnitude);
  if (!isSerialHex(serialHex)) return undefined;
  return {
    hashAlgorithm: hash.hash,
    hashAlgorithmOid: hash.oid,
    issuerNameHash: new Uint8Array(reader.value(nameHash!)),
    issuerKeyHash: new Uint8Array(reader.value(keyHash!)),
    serial: serialHex,
    raw: new Uint8Array(reader.bytes.subarray(start, end)),
  };
}

/** `[2] EXPLICIT Extensions` holding exactly one non-critical nonce extension of 1..128 octets. */
function readNonceExtensions(reader: StrictDer, start: number, end: number): Uint8Array | undefined {
  const tagged = reader.enter(0xa2, start, end);
  if (tagged === undefined || tagged.end !== end) return undefined;
  const extensions = reader.enter(0x30, tagged.valueStart, tagged.end);
  if (extensions === undefined || extensions.end !== tagged.end) return undefined;
  const extension = reader.enter(0x30, extensions.valueStart, extensions.end);
  if (extension === undefined || extension.end !== extensions.end) return undefined;
  const oid = reader.enter(0x06, extension.valueStart, extension.end);
  if (oid === undefined || !bytesEqual(reader.value(oid), NONCE_OID)) return undefined;
  const extnValue = reader.enter(0x04, oid.end, extension.end);
  if (extnValue === undefined || extnValue.end !== extension.end) return undefined;
  const nonce = reader.enter(0x04, extnValue.valueStart, extnValue.end);
  if (nonce === undefined || nonce.end !== extnValue.end) return undefined;
  const length = nonce.end - nonce.valueStart;
  if (length < 1 || length > MAX_NONCE_OCTETS) return undefined;
  return new Uint8Array(reader.value(nonce));
}

interface Span {
  readonly valueStart: number;
  readonly end: number;
}

/** Reads DER TLVs in place: single-byte tags, minimal definite lengths; anything else is undefined. */
class StrictDer {
  constructor(readonly bytes: Uint8Array) {}

  /** The TLV with `tag` at `offset`, if it is one and ends by `limit`. */
  enter(tag: number, offset: number, limit: number): Span | undefined {
    if (offset + 2 > limit || this.bytes[offset] !== tag) return undefined;
    const first = this.bytes[offset + 1]!;
    let length = first;
    let valueStart = offset + 2;
    if (first & 0x80) {
      const count = first & 0x7f;
      if (count === 0 || count > 3 || valueStart + count > limit) return undefined;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + this.bytes[valueStart + i]!;
      // DER: the shortest form only (no long form under 128, no leading zero octet).
      if (length < 0x80 || this.bytes[valueStart] === 0) return undefined;
      valueStart += count;
    }
    const end = valueStart + length;
    return end > limit ? undefined : { valueStart, end };
  }

  value(span: Span): Uint8Array {
    return this.bytes.subarray(span.valueStart, span.end);
  }
}
