import type { KeyAlgorithmName } from '../pki/algorithms/key-algorithm.js';
import type { SignatureAlgorithm } from '../pki/algorithms/signature-algorithm.js';

/**
 * A private key that can sign, wherever it lives (an encrypted file, a PKCS#11 token). The CA knows keys only
 * through this interface, so a new custody backend never touches ca/.
 */
export interface Signer {
  /** The key URI this signer was opened from (RFC 8089 `file:` or RFC 7512 `pkcs11:`), without secrets. */
  readonly uri: string;
  readonly keyAlgorithm: KeyAlgorithmName;
  /** The algorithm `sign` applies; its AlgorithmIdentifier goes into what is signed. */
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** DER SubjectPublicKeyInfo of the key. */
  readonly spki: Uint8Array;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Creates and opens keys named by URI. One implementation per URI scheme. */
export interface KeyStore {
  /** The URI scheme this store serves, e.g. `file` or `pkcs11`. */
  readonly scheme: string;
  /** Creates a new key at `uri`; refuses (CONFLICT) if one exists there. */
  generate(uri: string, algorithm: KeyAlgorithmName): Promise<Signer>;
  /** Opens an existing key; NOT_FOUND if absent, UNAUTHORIZED if its secret does not unlock it. */
  open(uri: string): Promise<Signer>;
}
