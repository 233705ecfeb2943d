import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { isPkiError } from '../../core/pki-error.js';
import { OID } from '../../pki/oids.js';
import { bytesEqual } from '../../pki/der.js';
import { HMAC_ALGORITHMS, type HmacAlgorithm } from '../../pki/mac-algorithms.js';
import {
  decodePbmParameter,
  derivePbmKey,
  encodePbmAlgorithm,
  type PbmSettings,
} from '../../pki/password-based-mac.js';
import {
  decodePbmac1Algorithm,
  derivePbmac1Key,
  encodePbmac1Algorithm,
  type Pbmac1Settings,
} from '../../pki/pbmac1.js';
import { CmpFailure } from './cmp-failure.js';

/** A MAC-based protection with its parameters (RFC 9481 §6.1): what the client used, and what we answer with. */
export interface MacScheme {
  readonly algorithm: AlgorithmIdentifier;
  compute(secret: Uint8Array, data: Uint8Array): Uint8Array;
  verify(secret: Uint8Array, data: Uint8Array, mac: Uint8Array): boolean;
  /**
   * The scheme for our answer. RFC 9483 §3.2 has the response protected the same way, and the parameters stay
   * constant within a transaction; so the request's own, whose key (the costly part: hundreds of hash
   * iterations) was derived already when the request was checked.
   */
  forResponse(): MacScheme;
}

/**
 * The MAC scheme a protectionAlg names, or undefined when it names none (a signature). PasswordBasedMac (RFC 9810
 * §5.1.3.1, what OpenSSL 3.0 sends) and PBMAC1 (RFC 9481 §6.1.1); parameters outside our policy are refused.
 */
export function macSchemeOf(algorithm: AlgorithmIdentifier, maxIterations: number): MacScheme | undefined {
  try {
    switch (algorithm.algorithm) {
      case OID.passwordBasedMac:
        return pbmScheme(decodePbmParameter(algorithm, { maxIterations }));
      case OID.pbmac1:
        return pbmac1Scheme(decodePbmac1Algorithm(algorithm, { maxIterations }));
      default:
        return undefined;
    }
  } catch (error) {
    if (isPkiError(error)) throw new CmpFailure('badAlg', error.code, error.message);
    throw error;
  }
}

function pbmScheme(settings: PbmSettings): MacScheme {
  return hmacScheme(encodePbmAlgorithm(settings), settings.mac, (secret) => derivePbmKey(secret, settings));
}

function pbmac1Scheme(settings: Pbmac1Settings): MacScheme {
  return hmacScheme(encodePbmac1Algorithm(settings), settings.mac, (secret) =>
    derivePbmac1Key(secret, settings),
  );
}

/** An HMAC keyed by a key derived from the secret (the two schemes differ only in the derivation). */
function hmacScheme(
  algorithm: AlgorithmIdentifier,
  mac: HmacAlgorithm,
  derive: (secret: Uint8Array) => Uint8Array,
): MacScheme {
  const key = derivedKeyCache(derive);
  const hash = HMAC_ALGORITHMS[mac].hash;
  const scheme: MacScheme = {
    algorithm,
    compute: (secret, data) => hmac(hash, key(secret), data),
    verify: (secret, data, value) => constantTimeEqual(hmac(hash, key(secret), data), value),
    forResponse: () => scheme,
  };
  return scheme;
}

/** The MAC key of the last secret seen: a scheme serves one request and its answer, both with one secret. */
function derivedKeyCache(derive: (secret: Uint8Array) => Uint8Array): (secret: Uint8Array) => Uint8Array {
  let last: { secret: Uint8Array; key: Uint8Array } | undefined;
  return (secret) => {
    if (!last || !bytesEqual(last.secret, secret)) last = { secret, key: derive(secret) };
    return last.key;
  };
}

function hmac(hash: string, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(hash, key).update(data).digest());
}

/** A MAC of the wrong length is simply wrong. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
