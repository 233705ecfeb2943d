import type { Name } from '@peculiar/asn1-x509';
import type { KeyAlgorithmName } from './algorithms/key-algorithm.js';
import type { AltName } from './general-names.js';

/**
 * A certificate request whose proof of possession has been checked, whatever carried it: a PKCS#10 request
 * (RFC 2986, self-signed) or a CRMF CertReqMsg (RFC 4211 §4, POPOSigningKey) from CMP. The RA needs no more.
 */
export interface VerifiedRequest {
  /** The request as the client sent it (PKCS#10 or CertReqMsg DER): what a held request is matched by. */
  readonly der: Uint8Array;
  readonly subject: Name;
  /** The subject exactly as the request encodes it. */
  readonly subjectDer: Uint8Array;
  readonly spkiDer: Uint8Array;
  readonly keyAlgorithm: KeyAlgorithmName;
  readonly altNames: readonly AltName[];
}

export function isVerifiedRequest(value: unknown): value is VerifiedRequest {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'spkiDer' in value;
}
