import { randomBytes } from 'node:crypto';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { isPkiError } from '../../core/pki-error.js';
import { OID } from '../../pki/oids.js';
import {
  decodePbmParameter,
  encodePbmAlgorithm,
  passwordBasedMac,
  type PbmSettings,
  verifyPasswordBasedMac,
} from '../../pki/password-based-mac.js';
import {
  decodePbmac1Algorithm,
  encodePbmac1Algorithm,
  pbmac1,
  type Pbmac1Settings,
  verifyPbmac1,
} from '../../pki/pbmac1.js';
import { CmpFailure } from './cmp-failure.js';

/** A MAC-based protection with its parameters (RFC 9481 §6.1): what the client used, and what we answer with. */
export interface MacScheme {
  readonly algorithm: AlgorithmIdentifier;
  compute(secret: Uint8Array, data: Uint8Array): Uint8Array;
  verify(secret: Uint8Array, data: Uint8Array, mac: Uint8Array): boolean;
  /** The same parameters with a fresh salt, for our response (RFC 9483 §3.2: protect it the same way). */
  renewed(): MacScheme;
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
  return {
    algorithm: encodePbmAlgorithm(settings),
    compute: (secret, data) => passwordBasedMac(secret, settings, data),
    verify: (secret, data, mac) => verifyPasswordBasedMac(secret, settings, data, mac),
    renewed: () => pbmScheme({ ...settings, salt: new Uint8Array(randomBytes(settings.salt.length)) }),
  };
}

function pbmac1Scheme(settings: Pbmac1Settings): MacScheme {
  return {
    algorithm: encodePbmac1Algorithm(settings),
    compute: (secret, data) => pbmac1(secret, settings, data),
    verify: (secret, data, mac) => verifyPbmac1(secret, settings, data, mac),
    renewed: () => pbmac1Scheme({ ...settings, salt: new Uint8Array(randomBytes(settings.salt.length)) }),
  };
}
