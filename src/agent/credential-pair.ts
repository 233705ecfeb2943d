import { createPrivateKey } from 'node:crypto';
import { PkiError } from '../core/pki-error.js';
import { type PrivateKey, privateKeyFromKeyObject } from '../pki/algorithms/key-algorithm.js';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';
import { bytesEqual } from '../pki/der.js';
import { encodePem, readPemAll } from '../pki/pem.js';
import type { CredentialPair } from './credential-store.js';

/** A credential pair decoded and checked: the key is the certificate's. */
export interface LoadedCredential {
  readonly leaf: ParsedCertificate;
  /** The certificates after the leaf in the PEM: its intermediates. */
  readonly chain: readonly ParsedCertificate[];
  readonly key: PrivateKey;
}

/**
 * Decodes a pair and checks that the key belongs to the leaf. Anything wrong (no certificate, a key that does
 * not parse or does not match) is MALFORMED_INPUT: a pair that cannot be used for TLS is no credential.
 */
export function loadCredential(pair: CredentialPair, what: string): LoadedCredential {
  // Every step reads the current pair again; decoding it (key import, certificate parsing) was a tenth of an
  // agent's CPU in the fleet simulator's profile. The strings are the cache key, so a changed file is decoded.
  const cacheKey = `${pair.keyPem}\0${pair.certificatePem}`;
  const cached = LOADED.get(cacheKey);
  if (cached !== undefined) return cached;
  const loaded = decodeCredential(pair, what);
  if (LOADED.size >= MAX_LOADED) LOADED.delete(LOADED.keys().next().value as string);
  LOADED.set(cacheKey, loaded);
  return loaded;
}

/** Pairs decoded recently: a device holds two or three; the fleet simulator thousands in one process. */
const LOADED = new Map<string, LoadedCredential>();
const MAX_LOADED = 8192;

function decodeCredential(pair: CredentialPair, what: string): LoadedCredential {
  const [leaf, ...chain] = readPemAll(pair.certificatePem, 'CERTIFICATE', what).map((der) =>
    parseCertificate(der),
  );
  if (!leaf) throw new PkiError('MALFORMED_INPUT', `${what}: no certificate`);
  let key: PrivateKey;
  try {
    key = privateKeyFromKeyObject(createPrivateKey(pair.keyPem));
  } catch (error) {
    throw new PkiError('MALFORMED_INPUT', `${what}: the private key does not parse`, { cause: error });
  }
  if (!bytesEqual(key.spki, leaf.spkiDer)) {
    throw new PkiError('MALFORMED_INPUT', `${what}: the private key is not the certificate's`);
  }
  return { leaf, chain, key };
}

/** Whether `pair` loads as a working credential. */
export function isWorkingCredential(pair: CredentialPair): boolean {
  try {
    loadCredential(pair, 'credential');
    return true;
  } catch (error) {
    if (error instanceof PkiError) return false;
    throw error;
  }
}

export function keyToPem(key: PrivateKey): string {
  return key.material.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function certificatesToPem(certificates: readonly ParsedCertificate[]): string {
  return certificates.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}
