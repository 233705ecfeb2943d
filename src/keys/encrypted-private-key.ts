import { createPrivateKey, type KeyObject } from 'node:crypto';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { PkiError } from '../core/pki-error.js';
import { privateKeyFromKeyObject, type PrivateKey } from '../pki/algorithms/key-algorithm.js';
import { decodeDer } from '../pki/der.js';
import { decodePemBlocks } from '../pki/pem.js';
import { checkPbes2 } from './pbes2.js';

/** RFC 7468 §11. */
export const ENCRYPTED_PRIVATE_KEY_LABEL = 'ENCRYPTED PRIVATE KEY';

const UNENCRYPTED_LABELS = ['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'];
const BEGIN_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/**
 * PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2 (RFC 8018 §6.2): PBKDF2-HMAC-SHA256 and AES-256-CBC,
 * the form OpenSSL 3 writes by default, so `openssl pkey -passin …` reads our files and we read its.
 */
export function encryptPrivateKeyPem(key: PrivateKey, passphrase: string): string {
  const pem = key.material.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase });
  return typeof pem === 'string' ? pem : pem.toString('latin1');
}

/**
 * Decrypts the one ENCRYPTED PRIVATE KEY block of `pem`. `keyName` (a redacted URI) opens every message.
 * The structure and encryption parameters are checked before decrypting (MALFORMED_INPUT,
 * UNSUPPORTED_ALGORITHM), so that whatever fails afterwards is the passphrase (UNAUTHORIZED).
 */
export function decryptPrivateKeyPem(pem: string, passphrase: string, keyName: string): PrivateKey {
  const labels = [...pem.matchAll(BEGIN_LABEL)].map((m) => m[1] ?? '');
  if (!labels.includes(ENCRYPTED_PRIVATE_KEY_LABEL)) {
    const unencrypted = labels.find((label) => UNENCRYPTED_LABELS.includes(label));
    if (unencrypted !== undefined) {
      throw new PkiError(
        'CONFIG_INVALID',
        `key ${keyName}: the file holds an unencrypted '${unencrypted}'; certfleet keeps keys encrypted at rest ` +
          `(import it with certfleet ca import, or convert it with openssl pkcs8 -topk8 -v2 aes-256-cbc)`,
      );
    }
    throw new PkiError(
      'MALFORMED_INPUT',
      `key ${keyName}: no PEM '${ENCRYPTED_PRIVATE_KEY_LABEL}' block found` +
        (labels.length > 0 ? ` (found ${labels.join(', ')})` : ''),
    );
  }
  const blocks = readPemBlocks(pem, keyName).filter((b) => b.label === ENCRYPTED_PRIVATE_KEY_LABEL);
  const block = blocks[0];
  if (blocks.length !== 1 || !block) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `key ${keyName}: expected exactly one complete '${ENCRYPTED_PRIVATE_KEY_LABEL}' block, found ${blocks.length}`,
    );
  }
  const info = decodeDer(block.der, EncryptedPrivateKeyInfo, `key ${keyName}`);
  checkPbes2(info.encryptionAlgorithm, keyName);
  return privateKeyFromKeyObject(decrypt(block.der, passphrase, keyName));
}

function readPemBlocks(pem: string, keyName: string): ReturnType<typeof decodePemBlocks> {
  try {
    return decodePemBlocks(pem);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'not valid PEM';
    throw new PkiError('MALFORMED_INPUT', `key ${keyName}: ${why}`, { cause: error });
  }
}

/**
 * With the parameters known good, a failure here is a wrong passphrase: OpenSSL reports it as "bad decrypt",
 * or, about once in 256 tries when the CBC padding happens to look right, as one of many ASN.1 decoding errors
 * of the garbage plaintext. A damaged ciphertext cannot be told apart from a wrong passphrase.
 */
function decrypt(der: Uint8Array, passphrase: string, keyName: string): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8', passphrase });
  } catch (error) {
    throw new PkiError('UNAUTHORIZED', `the passphrase does not unlock key ${keyName}`, { cause: error });
  }
}
