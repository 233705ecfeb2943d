import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { PkiError } from '../../core/pki-error.js';
import { encodeDer, toBytes } from '../der.js';
import { OID } from '../oids.js';
import type { KeyAlgorithmName, PrivateKey, PublicKey } from './key-algorithm.js';

export type SignatureAlgorithmName =
  | 'ecdsa-with-SHA256'
  | 'ecdsa-with-SHA384'
  | 'ecdsa-with-SHA512'
  | 'Ed25519'
  | 'sha256WithRSAEncryption'
  | 'sha384WithRSAEncryption'
  | 'sha512WithRSAEncryption';

/**
 * One signature algorithm as X.509 uses it: its AlgorithmIdentifier, the key types it works with, and sign and
 * verify over raw bytes. ECDSA signatures are DER Ecdsa-Sig-Value, as certificates, CRLs and CSRs carry them.
 * Post-quantum algorithms join by implementing this interface.
 */
export interface SignatureAlgorithm {
  readonly name: SignatureAlgorithmName;
  readonly oid: string;
  /** DER AlgorithmIdentifier exactly as it appears in a certificate (parameters absent, or NULL for RSA). */
  readonly identifierDer: Uint8Array;
  readonly keyAlgorithms: readonly KeyAlgorithmName[];
  sign(key: PrivateKey, data: Uint8Array): Uint8Array;
  /**
   * The same signature computed off the event loop where the implementation can (node:crypto's threadpool),
   * so concurrent signatures use every core. A lone caller pays a thread hop (about 3× the latency of `sign`).
   */
  signAsync(key: PrivateKey, data: Uint8Array): Promise<Uint8Array>;
  verify(key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean;
}

const EC_ANY: readonly KeyAlgorithmName[] = ['ec-p256', 'ec-p384'];
const RSA_ANY: readonly KeyAlgorithmName[] = ['rsa-2048', 'rsa-3072', 'rsa-4096'];

/** RFC 5758 §3.2: ECDSA identifiers omit parameters; RFC 4055 §5: RSA PKCS#1 v1.5 identifiers carry NULL. */
function nodeAlgorithm(
  name: SignatureAlgorithmName,
  oid: string,
  digest: string | null,
  keyAlgorithms: readonly KeyAlgorithmName[],
  nullParameters: boolean,
): SignatureAlgorithm {
  const identifier = new AlgorithmIdentifier({ algorithm: oid });
  if (nullParameters) identifier.parameters = null;
  return {
    name,
    oid,
    identifierDer: encodeDer(identifier),
    keyAlgorithms,
    sign(key, data) {
      requireKey(this, key.algorithm);
      return toBytes(nodeSign(digest, data, key.material));
    },
    signAsync(key, data) {
      requireKey(this, key.algorithm);
      return new Promise((resolve, reject) => {
        // With a callback node copies `data` and signs on the libuv threadpool.
        nodeSign(digest, data, key.material, (error, signature) => {
          if (error) reject(new PkiError('INTERNAL', `${name} signing failed`, { cause: error }));
          else resolve(toBytes(signature));
        });
      });
    },
    verify(key, data, signature) {
      requireKey(this, key.algorithm);
      try {
        return nodeVerify(digest, data, key.material, signature);
      } catch {
        // A signature that is not even well-formed DER is simply not valid.
        return false;
      }
    },
  };
}

function requireKey(algorithm: SignatureAlgorithm, key: KeyAlgorithmName): void {
  if (!algorithm.keyAlgorithms.includes(key)) {
    throw new PkiError('UNSUPPORTED_ALGORITHM', `${algorithm.name} cannot be used with a ${key} key`);
  }
}

const ALGORITHMS: readonly SignatureAlgorithm[] = [
  nodeAlgorithm('ecdsa-with-SHA256', OID.ecdsaWithSHA256, 'sha256', EC_ANY, false),
  nodeAlgorithm('ecdsa-with-SHA384', OID.ecdsaWithSHA384, 'sha384', EC_ANY, false),
  nodeAlgorithm('ecdsa-with-SHA512', OID.ecdsaWithSHA512, 'sha512', EC_ANY, false),
  nodeAlgorithm('Ed25519', OID.ed25519, null, ['ed25519'], false),
  nodeAlgorithm('sha256WithRSAEncryption', OID.sha256WithRSAEncryption, 'sha256', RSA_ANY, true),
  nodeAlgorithm('sha384WithRSAEncryption', OID.sha384WithRSAEncryption, 'sha384', RSA_ANY, true),
  nodeAlgorithm('sha512WithRSAEncryption', OID.sha512WithRSAEncryption, 'sha512', RSA_ANY, true),
];

const BY_NAME = new Map(ALGORITHMS.map((a) => [a.name, a]));
const BY_OID = new Map(ALGORITHMS.map((a) => [a.oid, a]));

export function signatureAlgorithm(name: SignatureAlgorithmName): SignatureAlgorithm {
  const found = BY_NAME.get(name);
  if (!found) throw new PkiError('UNSUPPORTED_ALGORITHM', `signature algorithm ${name} is not supported`);
  return found;
}

/**
 * Finds the algorithm named by an AlgorithmIdentifier from a certificate, CRL or CSR. Parameters must be absent
 * (ECDSA, EdDSA) or absent/NULL (RSA PKCS#1 v1.5); anything else is refused rather than guessed.
 */
export function signatureAlgorithmOf(identifier: AlgorithmIdentifier): SignatureAlgorithm {
  const found = BY_OID.get(identifier.algorithm);
  if (!found) {
    throw new PkiError(
      'UNSUPPORTED_ALGORITHM',
      `signature algorithm ${identifier.algorithm} is not supported`,
    );
  }
  const parameters = identifier.parameters;
  const isNull = parameters === null || (parameters instanceof ArrayBuffer && isDerNull(parameters));
  const absent = parameters === undefined;
  const rsa = found.keyAlgorithms === RSA_ANY;
  if (!(absent || (rsa && isNull))) {
    throw new PkiError('MALFORMED_INPUT', `signature algorithm ${found.name} has unexpected parameters`);
  }
  return found;
}

function isDerNull(buffer: ArrayBuffer): boolean {
  const bytes = new Uint8Array(buffer);
  return bytes.length === 2 && bytes[0] === 0x05 && bytes[1] === 0x00;
}

/** The signature algorithm a CA uses with a key of this type. */
export function defaultSignatureAlgorithm(key: KeyAlgorithmName): SignatureAlgorithm {
  switch (key) {
    case 'ec-p256':
      return signatureAlgorithm('ecdsa-with-SHA256');
    case 'ec-p384':
      return signatureAlgorithm('ecdsa-with-SHA384');
    case 'ed25519':
      return signatureAlgorithm('Ed25519');
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return signatureAlgorithm('sha256WithRSAEncryption');
  }
}
