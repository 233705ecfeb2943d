import { createHash } from 'node:crypto';
import { parseCertificate } from '../../../pki/certificate.js';
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

function hashOfSignature(certificateDer: Uint8Array): string {
  const oid = parseCertificate(certificateDer).signatureAlgorithm.algorithm;
  switch (oid) {
    case '1.2.840.10045.4.3.3':
    case '1.2.840.113549.1.1.12':
      return 'sha384';
    case '1.2.840.10045.4.3.4':
    case '1.2.840.113549.1.1.13':
    case '1.3.101.112':
      return 'sha512';
    default:
      return 'sha256';
  }
}
