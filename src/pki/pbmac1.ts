import { createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { PkiError } from '../core/pki-error.js';
import { Pbkdf2Params } from './asn1/pbkdf2-params.js';
import { Pbmac1Params } from './asn1/pbmac1-params.js';
import { decodeDer, encodeDer, toArrayBuffer, toBytes } from './der.js';
import {
  HMAC_ALGORITHMS,
  checkMacIterations,
  checkMacSalt,
  hmacFromAlgorithm,
  type HmacAlgorithm,
} from './mac-algorithms.js';
import { OID } from './oids.js';

/** PBMAC1 with PBKDF2 (RFC 8018 §7.1, §5.2), as RFC 9481 §6.1.1 profiles it for CMP, decoded. */
export interface Pbmac1Settings {
  readonly salt: Uint8Array;
  readonly iterationCount: number;
  /** PBKDF2's keyLength in octets, as RFC 8018 counts it: the length of the HMAC key derived. */
  readonly keyLength: number;
  /** PBKDF2's pseudo-random function. */
  readonly prf: HmacAlgorithm;
  /** PBMAC1's messageAuthScheme. */
  readonly mac: HmacAlgorithm;
}

export interface Pbmac1Limits {
  /** The most PBKDF2 iterations a peer may make us compute per message (DoS guard, see checkMacIterations). */
  readonly maxIterations: number;
}

/**
 * keyLength comes from the peer's message, so it needs a floor as much as the secret does: with a 1-byte key an
 * attacker who does not know the secret tries 256 keys and forges a MAC. 16 bytes keeps 128 bits; 128 bytes is
 * the largest HMAC block, past which HMAC hashes the key down anyway.
 */
export const PBMAC1_KEY_LENGTH = { min: 16, max: 128 } as const;

/** The HMAC key: PBKDF2 (RFC 8018 §5.2) of the secret with the settings' PRF, salt, count and keyLength. */
export function derivePbmac1Key(secret: Uint8Array, settings: Pbmac1Settings): Uint8Array {
  const { iterationCount, keyLength } = settings;
  if (!Number.isSafeInteger(iterationCount) || iterationCount < 1) {
    throw new PkiError('MALFORMED_INPUT', 'PBMAC1: iterationCount must be a positive integer');
  }
  if (!Number.isSafeInteger(keyLength) || keyLength < 1) {
    throw new PkiError('MALFORMED_INPUT', 'PBMAC1: keyLength must be a positive integer');
  }
  const prf = HMAC_ALGORITHMS[settings.prf].hash;
  return toBytes(pbkdf2Sync(secret, settings.salt, iterationCount, keyLength, prf));
}

/** RFC 8018 §7.1.1 PBMAC1 over `data` (for CMP protection, the DER of ProtectedPart). */
export function pbmac1(secret: Uint8Array, settings: Pbmac1Settings, data: Uint8Array): Uint8Array {
  const key = derivePbmac1Key(secret, settings);
  return toBytes(createHmac(HMAC_ALGORITHMS[settings.mac].hash, key).update(data).digest());
}

/** RFC 8018 §7.1.2: recomputes the MAC and compares it in constant time; a MAC of the wrong length is false. */
export function verifyPbmac1(
  secret: Uint8Array,
  settings: Pbmac1Settings,
  data: Uint8Array,
  mac: Uint8Array,
): boolean {
  const expected = pbmac1(secret, settings, data);
  return expected.length === mac.length && timingSafeEqual(expected, mac);
}

/**
 * Decodes a PBMAC1 protectionAlg (or the DER of its PBMAC1-params) received from a peer and applies our policy:
 * PBKDF2 with an HMAC PRF, keyLength present (RFC 9481 §6.1.1) and 16..128 octets, salt 8..64 bytes,
 * 100..`maxIterations` iterations, an HMAC as messageAuthScheme. Only ever throws PkiError.
 */
export function decodePbmac1Algorithm(
  input: Uint8Array | AlgorithmIdentifier,
  limits: Pbmac1Limits,
): Pbmac1Settings {
  const what = 'PBMAC1 parameters';
  let der: Uint8Array;
  if (input instanceof Uint8Array) {
    der = input;
  } else {
    if (input.algorithm !== OID.pbmac1) {
      throw new PkiError('UNSUPPORTED_ALGORITHM', `protection algorithm ${input.algorithm} is not PBMAC1`);
    }
    der = parametersOf(input, what);
  }
  const params = decodeDer(der, Pbmac1Params, what);
  const kdf = params.keyDerivationFunc;
  if (kdf.algorithm !== OID.pbkdf2) {
    throw new PkiError('UNSUPPORTED_ALGORITHM', `${what}: key derivation ${kdf.algorithm} is not PBKDF2`);
  }
  const pbkdf2 = decodeDer(parametersOf(kdf, 'PBKDF2 parameters'), Pbkdf2Params, 'PBKDF2 parameters');
  if (pbkdf2.keyLength === undefined) {
    throw new PkiError(
      'MALFORMED_INPUT',
      `${what}: PBKDF2 keyLength is missing (RFC 9481 §6.1.1 requires it)`,
    );
  }
  const settings: Pbmac1Settings = {
    salt: new Uint8Array(pbkdf2.salt),
    iterationCount: pbkdf2.iterationCount,
    keyLength: pbkdf2.keyLength,
    prf: pbkdf2.prf === undefined ? 'hmac-sha1' : hmacFromAlgorithm(pbkdf2.prf, 'PBKDF2 parameters'),
    mac: hmacFromAlgorithm(params.messageAuthScheme, what),
  };
  checkPolicy(settings, limits.maxIterations, what);
  return settings;
}

/**
 * The protectionAlg for `settings`; keyLength defaults to the MAC's output size. HMAC identifiers carry NULL
 * parameters (RFC 8018 §B.1.2) and a PRF of HMAC-SHA1, the DEFAULT, is left out as DER requires.
 */
export function encodePbmac1Algorithm(
  settings: Omit<Pbmac1Settings, 'keyLength'> & { readonly keyLength?: number },
): AlgorithmIdentifier {
  const full: Pbmac1Settings = {
    ...settings,
    keyLength: settings.keyLength ?? HMAC_ALGORITHMS[settings.mac].outputBytes,
  };
  checkPolicy(full, Number.MAX_SAFE_INTEGER, 'PBMAC1 settings');
  const pbkdf2 = new Pbkdf2Params({
    salt: toArrayBuffer(full.salt),
    iterationCount: full.iterationCount,
    keyLength: full.keyLength,
    ...(full.prf === 'hmac-sha1' ? {} : { prf: hmacIdentifier(full.prf) }),
  });
  const params = new Pbmac1Params({
    keyDerivationFunc: new AlgorithmIdentifier({
      algorithm: OID.pbkdf2,
      parameters: toArrayBuffer(encodeDer(pbkdf2)),
    }),
    messageAuthScheme: hmacIdentifier(full.mac),
  });
  return new AlgorithmIdentifier({ algorithm: OID.pbmac1, parameters: toArrayBuffer(encodeDer(params)) });
}

function hmacIdentifier(name: HmacAlgorithm): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: HMAC_ALGORITHMS[name].oid, parameters: null });
}

function parametersOf(algorithm: AlgorithmIdentifier, what: string): Uint8Array {
  if (!(algorithm.parameters instanceof ArrayBuffer))
    throw new PkiError('MALFORMED_INPUT', `${what}: missing`);
  return new Uint8Array(algorithm.parameters);
}

function checkPolicy(settings: Pbmac1Settings, maxIterations: number, what: string): void {
  checkMacSalt(settings.salt, what);
  checkMacIterations(settings.iterationCount, maxIterations, what);
  const { keyLength } = settings;
  if (
    !Number.isSafeInteger(keyLength) ||
    keyLength < PBMAC1_KEY_LENGTH.min ||
    keyLength > PBMAC1_KEY_LENGTH.max
  ) {
    throw new PkiError(
      'POLICY_VIOLATION',
      `${what}: keyLength must be ${PBMAC1_KEY_LENGTH.min} to ${PBMAC1_KEY_LENGTH.max} octets`,
      { details: { rule: 'cmp.pbmac1-key-length' } },
    );
  }
}
