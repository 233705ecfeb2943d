import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { ECParameters } from '@peculiar/asn1-ecc';
import { PkiError } from '../../core/pki-error.js';
import { decodeDer, toBytes } from '../der.js';
import { OID } from '../oids.js';

/** The key types certfleet issues for and signs with. */
export const KEY_ALGORITHMS = ['ec-p256', 'ec-p384', 'ed25519', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export type KeyAlgorithmName = (typeof KEY_ALGORITHMS)[number];

export function isKeyAlgorithmName(value: string): value is KeyAlgorithmName {
  return (KEY_ALGORITHMS as readonly string[]).includes(value);
}

/**
 * A private key held in memory. `material` is a node:crypto KeyObject for the classical algorithms; an algorithm
 * that node:crypto does not implement (ML-DSA) will carry its own material behind the same SignatureAlgorithm
 * interface.
 */
export interface PrivateKey {
  readonly algorithm: KeyAlgorithmName;
  readonly material: KeyObject;
  /** DER SubjectPublicKeyInfo of the matching public key. */
  readonly spki: Uint8Array;
}

/** A public key parsed once; `material` is imported on first use and kept, since the import is the costly part. */
export interface PublicKey {
  readonly algorithm: KeyAlgorithmName;
  readonly spki: Uint8Array;
  readonly material: KeyObject;
}

export function generateKeyPair(algorithm: KeyAlgorithmName): PrivateKey {
  const material = generateNodeKey(algorithm);
  return { algorithm, material, spki: exportSpki(material) };
}

function generateNodeKey(algorithm: KeyAlgorithmName): KeyObject {
  switch (algorithm) {
    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    case 'ec-p384':
      return generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    case 'rsa-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    case 'rsa-3072':
      return generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
    case 'rsa-4096':
      return generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey;
  }
}

function exportSpki(privateKey: KeyObject): Uint8Array {
  return toBytes(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
}

/** Reads an unencrypted PKCS#8 PrivateKeyInfo. */
export function privateKeyFromPkcs8(der: Uint8Array): PrivateKey {
  let material: KeyObject;
  try {
    material = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new PkiError('MALFORMED_INPUT', 'private key: not a valid PKCS#8 PrivateKeyInfo', { cause: error });
  }
  return privateKeyFromKeyObject(material);
}

export function privateKeyFromKeyObject(material: KeyObject): PrivateKey {
  if (material.type !== 'private') throw new PkiError('MALFORMED_INPUT', 'expected a private key');
  const spki = exportSpki(material);
  return { algorithm: keyAlgorithmOfSpki(spki), material, spki };
}

export function privateKeyToPkcs8(key: PrivateKey): Uint8Array {
  return toBytes(key.material.export({ format: 'der', type: 'pkcs8' }));
}

export function publicKeyFromSpki(spki: Uint8Array): PublicKey {
  const algorithm = keyAlgorithmOfSpki(spki);
  let material: KeyObject;
  try {
    material = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (error) {
    throw new PkiError('MALFORMED_INPUT', 'public key: the SubjectPublicKeyInfo does not hold a valid key', {
      cause: error,
    });
  }
  return { algorithm, spki, material };
}

/** Names the key type of a DER SubjectPublicKeyInfo, or refuses it as UNSUPPORTED_ALGORITHM. */
export function keyAlgorithmOfSpki(spkiDer: Uint8Array): KeyAlgorithmName {
  return keyAlgorithmOf(decodeDer(spkiDer, SubjectPublicKeyInfo, 'SubjectPublicKeyInfo'));
}

export function keyAlgorithmOf(spki: SubjectPublicKeyInfo): KeyAlgorithmName {
  const { algorithm, parameters } = spki.algorithm;
  switch (algorithm) {
    case OID.ecPublicKey: {
      const curve = parameters ? parseCurveOid(parameters) : undefined;
      if (curve === OID.secp256r1) return 'ec-p256';
      if (curve === OID.secp384r1) return 'ec-p384';
      throw new PkiError(
        'UNSUPPORTED_ALGORITHM',
        `EC curve ${curve ?? '(none)'} is not supported; use P-256 or P-384`,
      );
    }
    case OID.ed25519:
      return 'ed25519';
    case OID.rsaEncryption: {
      const bits = rsaModulusBits(spki.subjectPublicKey);
      if (bits === 2048) return 'rsa-2048';
      if (bits === 3072) return 'rsa-3072';
      if (bits === 4096) return 'rsa-4096';
      throw new PkiError(
        'UNSUPPORTED_ALGORITHM',
        `RSA keys of ${bits} bits are not supported; use 2048, 3072 or 4096`,
      );
    }
    default:
      throw new PkiError('UNSUPPORTED_ALGORITHM', `public key algorithm ${algorithm} is not supported`);
  }
}

function parseCurveOid(parameters: ArrayBuffer): string | undefined {
  // ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER, ... }; only named curves are allowed (RFC 5480).
  try {
    return AsnConvert.parse(parameters, ECParameters).namedCurve;
  } catch {
    return undefined;
  }
}

function rsaModulusBits(subjectPublicKey: ArrayBuffer): number {
  const key = decodeDer(new Uint8Array(subjectPublicKey), RSAPublicKey, 'RSA public key');
  let modulus = new Uint8Array(key.modulus);
  while (modulus.length > 0 && modulus[0] === 0) modulus = modulus.subarray(1);
  const top = modulus[0] ?? 0;
  return modulus.length === 0 ? 0 : (modulus.length - 1) * 8 + (32 - Math.clz32(top));
}
