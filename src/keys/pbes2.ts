import { OctetString } from '@peculiar/asn1-schema';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { PkiError } from '../core/pki-error.js';
import { decodeDer } from '../pki/der.js';
import { Pbes2Params } from '../pki/asn1/pbes2-params.js';
import { Pbkdf2Params } from '../pki/asn1/pbkdf2-params.js';
import { OID } from '../pki/oids.js';

const HMAC_PRFS = new Set<string>([
  OID.hmacWithSHA1,
  OID.hmacWithSHA224,
  OID.hmacWithSHA256,
  OID.hmacWithSHA384,
  OID.hmacWithSHA512,
]);
const AES_CBC = new Set<string>([OID.aes128Cbc, OID.aes192Cbc, OID.aes256Cbc]);
const AES_BLOCK_BYTES = 16;
const REENCRYPT = 're-encrypt it with openssl pkcs8 -topk8 -v2 aes-256-cbc';

/**
 * Checks the encryption parameters of an EncryptedPrivateKeyInfo before decrypting: PBES2 with PBKDF2 over
 * HMAC-SHA-1/2 and AES-CBC, what OpenSSL writes. Once these are known good, anything that fails during
 * decryption is the passphrase (or a damaged ciphertext, which cannot be told apart): OpenSSL reports a wrong
 * passphrase as "bad decrypt" or, when the padding happens to look right, as one of many ASN.1 errors.
 */
export function checkPbes2(algorithm: AlgorithmIdentifier, keyName: string): void {
  if (algorithm.algorithm !== OID.pbes2) {
    throw unsupported(keyName, `encrypted with ${algorithm.algorithm}; only PBES2 is accepted`);
  }
  const params = decodeDer(bytesOf(algorithm.parameters), Pbes2Params, `key ${keyName}: PBES2 parameters`);
  const kdf = params.keyDerivationFunc;
  if (kdf.algorithm !== OID.pbkdf2) {
    throw unsupported(keyName, `key derivation ${kdf.algorithm}; only PBKDF2 is accepted`);
  }
  const pbkdf2 = decodeDer(bytesOf(kdf.parameters), Pbkdf2Params, `key ${keyName}: PBKDF2 parameters`);
  if (pbkdf2.iterationCount < 1 || pbkdf2.salt.byteLength === 0) {
    throw new PkiError('MALFORMED_INPUT', `key ${keyName}: PBKDF2 parameters out of range`);
  }
  if (pbkdf2.prf && !HMAC_PRFS.has(pbkdf2.prf.algorithm)) {
    throw unsupported(keyName, `PBKDF2 pseudo-random function ${pbkdf2.prf.algorithm} is not accepted`);
  }
  const cipher = params.encryptionScheme;
  if (!AES_CBC.has(cipher.algorithm)) {
    throw unsupported(keyName, `cipher ${cipher.algorithm}; only AES-CBC is accepted`);
  }
  const iv = decodeDer(bytesOf(cipher.parameters), OctetString, `key ${keyName}: AES-CBC IV`);
  if (iv.byteLength !== AES_BLOCK_BYTES) {
    throw new PkiError('MALFORMED_INPUT', `key ${keyName}: the AES-CBC IV is not ${AES_BLOCK_BYTES} bytes`);
  }
}

function bytesOf(parameters: ArrayBuffer | null | undefined): Uint8Array {
  return parameters instanceof ArrayBuffer ? new Uint8Array(parameters) : new Uint8Array();
}

function unsupported(keyName: string, why: string): PkiError {
  return new PkiError('UNSUPPORTED_ALGORITHM', `key ${keyName}: ${why} (${REENCRYPT})`);
}
