import { createHash } from 'node:crypto';
import { CertID } from '@peculiar/asn1-ocsp';
import { OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import type * as asn1js from 'asn1js';
import { isSerialHex, type SerialHex } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import type { ParsedCertificate } from '../certificate.js';
import { bytesEqual, encodeDer, hexToBytes, toArrayBuffer } from '../der.js';
import { spkiKeyBits } from '../der-reader.js';
import { derUnsignedInteger } from '../der-writer.js';
import { OID } from '../oids.js';
import { serialToHex } from '../serial.js';

/** The CertID hash algorithms certfleet answers for: SHA-1 (RFC 6960) and SHA-256 (RFC 9919 §2.1.1). */
export type CertIdHash = 'sha1' | 'sha256';

const HASHES: Readonly<Record<CertIdHash, { readonly oid: string; readonly length: number }>> = {
  sha1: { oid: OID.sha1, length: 20 },
  sha256: { oid: OID.sha256, length: 32 },
};

const HASH_BY_OID = new Map(Object.entries(HASHES).map(([name, { oid }]) => [oid, name as CertIdHash]));

/**
 * RFC 6960 §4.1.1 CertID, decoded. `raw` is the CertID exactly as received, which a response echoes in its
 * SingleResponse; it is always DER (parseOcspRequest refuses anything else).
 *
 * ```asn1
 * CertID ::= SEQUENCE {
 *   hashAlgorithm       AlgorithmIdentifier,
 *   issuerNameHash      OCTET STRING, -- Hash of issuer's DN
 *   issuerKeyHash       OCTET STRING, -- Hash of issuer's public key
 *   serialNumber        CertificateSerialNumber }
 * ```
 */
export interface ParsedCertId {
  readonly hashAlgorithm: CertIdHash;
  readonly hashAlgorithmOid: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  readonly serial: SerialHex;
  readonly raw: Uint8Array;
}

function digest(hash: CertIdHash, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hash).update(data).digest());
}

/**
 * The CertID naming `serial` under `issuer` (RFC 6960 §4.1.1): issuerNameHash is the hash of the issuer's
 * subject DER, issuerKeyHash the hash of its subjectPublicKey BIT STRING value (no tag, length or unused-bits
 * octet). The AlgorithmIdentifier carries NULL parameters, as OpenSSL and the RFC 9919 examples write it.
 */
export function certIdFor(issuer: ParsedCertificate, serial: SerialHex, hash: CertIdHash): ParsedCertId {
  const issuerNameHash = digest(hash, issuer.subjectDer);
  const issuerKeyHash = digest(hash, spkiKeyBits(issuer.spkiDer));
  const integer = derUnsignedInteger(hexToBytes(serial));
  const raw = encodeDer(
    new CertID({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: HASHES[hash].oid, parameters: null }),
      issuerNameHash: new OctetString(issuerNameHash),
      issuerKeyHash: new OctetString(issuerKeyHash),
      serialNumber: toArrayBuffer(integer.subarray(2)),
    }),
  );
  return {
    hashAlgorithm: hash,
    hashAlgorithmOid: HASHES[hash].oid,
    issuerNameHash,
    issuerKeyHash,
    serial: serialToHex(hexToBytes(serial)),
    raw,
  };
}

/** Each issuer's name and key hashes, computed once per hash: a responder compares them on every request. */
interface IssuerHashes {
  readonly name: Uint8Array;
  readonly key: Uint8Array;
}
const issuerHashes = new WeakMap<ParsedCertificate, Map<CertIdHash, IssuerHashes>>();

function hashesOf(issuer: ParsedCertificate, hash: CertIdHash): IssuerHashes {
  let byHash = issuerHashes.get(issuer);
  if (byHash === undefined) {
    byHash = new Map<CertIdHash, IssuerHashes>();
    issuerHashes.set(issuer, byHash);
  }
  let hashes = byHash.get(hash);
  if (hashes === undefined) {
    hashes = { name: digest(hash, issuer.subjectDer), key: digest(hash, spkiKeyBits(issuer.spkiDer)) };
    byHash.set(hash, hashes);
  }
  return hashes;
}

/** Whether the CertID's name and key hashes are those of `issuer` (the serial is the caller's to look up). */
export function certIdNamesIssuer(certId: ParsedCertId, issuer: ParsedCertificate): boolean {
  const { name, key } = hashesOf(issuer, certId.hashAlgorithm);
  return bytesEqual(certId.issuerNameHash, name) && bytesEqual(certId.issuerKeyHash, key);
}

/**
 * Checks a decoded CertID against its raw bytes. An unknown hash algorithm is UNSUPPORTED_ALGORITHM (rule
 * `ocsp.hash-algorithm`), so a responder can answer it differently from garbage; everything else that is wrong
 * is MALFORMED_INPUT. The raw bytes must be the DER of the decoded value: a response echoes them under its
 * signature, and RFC 6960 appendix A.1 has requests DER-encoded anyway.
 */
export function readCertId(certId: CertID, raw: Uint8Array, what: string): ParsedCertId {
  const hashAlgorithmOid = certId.hashAlgorithm.algorithm;
  const hash = HASH_BY_OID.get(hashAlgorithmOid);
  if (!hash) {
    throw new PkiError(
      'UNSUPPORTED_ALGORITHM',
      `${what}: CertID hash algorithm ${hashAlgorithmOid} is not supported (SHA-1 or SHA-256 only)`,
      { details: { rule: 'ocsp.hash-algorithm', oid: hashAlgorithmOid } },
    );
  }
  if (certId.hashAlgorithm.parameters !== undefined && certId.hashAlgorithm.parameters !== null) {
    throw new PkiError('MALFORMED_INPUT', `${what}: CertID hash algorithm has unexpected parameters`);
  }
  const issuerNameHash = new Uint8Array(certId.issuerNameHash.buffer);
  const issuerKeyHash = new Uint8Array(certId.issuerKeyHash.buffer);
  if (issuerNameHash.length !== HASHES[hash].length || issuerKeyHash.length !== HASHES[hash].length) {
    throw new PkiError('MALFORMED_INPUT', `${what}: CertID hashes are not ${hash} digests`);
  }
  const serialContent = new Uint8Array(certId.serialNumber);
  const serial = serialToHex(serialContent);
  if ((serialContent[0] ?? 0x80) & 0x80 || !isSerialHex(serial)) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `${what}: CertID serial is not a positive integer of 20 octets or less`,
      {
        details: { rule: 'ocsp.serial' },
      },
    );
  }
  if (!bytesEqual(encodeDer(certId), raw)) {
    throw new PkiError('MALFORMED_INPUT', `${what}: CertID is not DER-encoded`, {
      details: { rule: 'ocsp.cert-id-der' },
    });
  }
  return { hashAlgorithm: hash, hashAlgorithmOid, issuerNameHash, issuerKeyHash, serial, raw };
}

/** The children of a constructed asn1js node. */
export function childNodes(node: asn1js.AsnType): asn1js.AsnType[] {
  const value = (node.valueBlock as { value?: unknown }).value;
  return Array.isArray(value) ? (value as asn1js.AsnType[]) : [];
}

/**
 * The exact bytes of each CertID in a `SEQUENCE OF Request` or `SEQUENCE OF SingleResponse`: the first field
 * of every element. `parent` is the TBSRequest or ResponseData node, whose only untagged SEQUENCE is that list.
 */
export function rawCertIds(parent: asn1js.AsnType, what: string): Uint8Array[] {
  const list = childNodes(parent).find((n) => n.idBlock.tagClass === 1 && n.idBlock.tagNumber === 16);
  if (!list) throw new PkiError('MALFORMED_INPUT', `${what}: missing list`);
  return childNodes(list).map((element) => {
    const certId = childNodes(element)[0];
    if (!certId) throw new PkiError('MALFORMED_INPUT', `${what}: missing CertID`);
    return new Uint8Array(certId.valueBeforeDecodeView);
  });
}
