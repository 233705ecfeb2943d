import { createHash } from 'node:crypto';
import { bytesToHex, encodeOid } from '../../../pki/der.js';
import { readTlv } from '../../../pki/der-reader.js';
import { CmpFailure } from '../cmp-failure.js';

/**
 * certHash (RFC 9810 §5.3.18): the hash the certificate's signature uses (SHA-512 for Ed25519, RFC 9481 §2),
 * or the certConf's hashAlg (pvno 3).
 */
export function certHash(certificateDer: Uint8Array, hashAlgorithmOid?: string): Uint8Array {
  const name =
    hashAlgorithmOid === undefined ? hashOfSignature(certificateDer) : HASH_BY_OID[hashAlgorithmOid];
  if (name === undefined)
    throw new CmpFailure('badAlg', 'UNSUPPORTED_ALGORITHM', 'certConf hashAlg is not supported');
  return new Uint8Array(createHash(name).update(certificateDer).digest());
}

const HASH_BY_OID: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/**
 * The hash of the certificate's own signature, from the DER of its signatureAlgorithm's OID (compared as bytes,
 * found by walking three TLV headers): certConf is checked once per certificate, and parsing the whole
 * certificate for one OID was a measurable share of a confirmation (bench/cmp).
 */
function hashOfSignature(certificateDer: Uint8Array): string {
  const certificate = readTlv(certificateDer, 0);
  const tbs = readTlv(certificateDer, certificate.valueStart);
  const algorithm = readTlv(certificateDer, tbs.end);
  const oid = readTlv(certificateDer, algorithm.valueStart);
  if (certificate.tag !== 0x30 || tbs.tag !== 0x30 || algorithm.tag !== 0x30 || oid.tag !== 0x06)
    throw new CmpFailure('badDataFormat', 'MALFORMED_INPUT', 'the certificate to confirm is not DER');
  const hex = bytesToHex(certificateDer.subarray(oid.start, oid.end));
  return HASH_BY_SIGNATURE_OID.get(hex) ?? 'sha256';
}

/** Signature algorithms whose hash is not SHA-256 (RFC 9481 §2; Ed25519 → SHA-512), by the DER of their OID. */
const HASH_BY_SIGNATURE_OID = new Map<string, string>(
  (
    [
      ['1.2.840.10045.4.3.3', 'sha384'],
      ['1.2.840.113549.1.1.12', 'sha384'],
      ['1.2.840.10045.4.3.4', 'sha512'],
      ['1.2.840.113549.1.1.13', 'sha512'],
      ['1.3.101.112', 'sha512'],
    ] as const
  ).map(([oid, hash]) => [bytesToHex(encodeOid(oid)), hash]),
);
