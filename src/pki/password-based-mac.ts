import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { PkiError } from '../core/pki-error.js';
import { PBMParameter } from './asn1/cmp/pbm-parameter.js';
import { decodeDer, encodeDer, toArrayBuffer, toBytes } from './der.js';
import {
  HMAC_ALGORITHMS,
  OWF_ALGORITHMS,
  checkMacIterations,
  checkMacSalt,
  hmacFromAlgorithm,
  owfFromAlgorithm,
  type HmacAlgorithm,
  type MacOwf,
} from './mac-algorithms.js';
import { OID } from './oids.js';

/** PasswordBasedMac's parameters (RFC 9810 §5.1.3.1 PBMParameter), decoded. */
export interface PbmSettings {
  readonly salt: Uint8Array;
  readonly owf: MacOwf;
  readonly iterationCount: number;
  readonly mac: HmacAlgorithm;
}

export interface PbmLimits {
  /** The most OWF iterations a peer may make us compute per message (DoS guard, see checkMacIterations). */
  readonly maxIterations: number;
}

/**
 * RFC 9810 §5.1.3.1: BASEKEY is OWF applied iterationCount times to secret || salt. A MAC that needs a K-byte key
 * takes BASEKEY's first K bytes when K <= H (the OWF's output size), else BASEKEY || OWF("1" || BASEKEY) ||
 * OWF("2" || BASEKEY) ... cut to K bytes, "N" being the ASCII digits of N.
 *
 * HMAC takes a key of any length, so it asks for no particular K and gets BASEKEY whole (`keyBytes` undefined):
 * that is what OpenSSL does, and test/fixtures/cmp-mac holds its messages that prove it for K < H (its default
 * SHA-256 OWF with HMAC-SHA1, and SHA-512 with HMAC-SHA256) and K > H (SHA-1 with HMAC-SHA256). Cutting or
 * expanding BASEKEY to the HMAC's output size would fail to verify all of them, OpenSSL's default included.
 */
export function derivePbmKey(secret: Uint8Array, settings: PbmSettings, keyBytes?: number): Uint8Array {
  checkShape(settings);
  const owf = OWF_ALGORITHMS[settings.owf].hash;
  let baseKey: Uint8Array = createHash(owf).update(secret).update(settings.salt).digest();
  for (let i = 1; i < settings.iterationCount; i++) baseKey = createHash(owf).update(baseKey).digest();
  if (keyBytes === undefined) return toBytes(baseKey);
  const parts = [baseKey];
  for (let n = 1, length = baseKey.length; length < keyBytes; n++) {
    const next = createHash(owf).update(String(n), 'ascii').update(baseKey).digest();
    parts.push(next);
    length += next.length;
  }
  return toBytes(Buffer.concat(parts).subarray(0, keyBytes));
}

/** RFC 9810 §5.1.3.1 PasswordBasedMac over `data` (for CMP protection, the DER of ProtectedPart). */
export function passwordBasedMac(secret: Uint8Array, params: PbmSettings, data: Uint8Array): Uint8Array {
  const key = derivePbmKey(secret, params);
  return toBytes(createHmac(HMAC_ALGORITHMS[params.mac].hash, key).update(data).digest());
}

/** Recomputes the MAC and compares it in constant time; a MAC of the wrong length is simply false. */
export function verifyPasswordBasedMac(
  secret: Uint8Array,
  params: PbmSettings,
  data: Uint8Array,
  mac: Uint8Array,
): boolean {
  const expected = passwordBasedMac(secret, params, data);
  return expected.length === mac.length && timingSafeEqual(expected, mac);
}

/**
 * Decodes PasswordBasedMac's parameters from a protectionAlg (or from the DER of its parameters) received from a
 * peer, and applies our policy: known OWF and HMAC, salt of 8..64 bytes, 100..`maxIterations` iterations.
 * Only ever throws PkiError.
 */
export function decodePbmParameter(input: Uint8Array | AlgorithmIdentifier, limits: PbmLimits): PbmSettings {
  const what = 'PasswordBasedMac parameters';
  let der: Uint8Array;
  if (input instanceof Uint8Array) {
    der = input;
  } else {
    if (input.algorithm !== OID.passwordBasedMac) {
      throw new PkiError(
        'UNSUPPORTED_ALGORITHM',
        `protection algorithm ${input.algorithm} is not PasswordBasedMac`,
      );
    }
    if (!(input.parameters instanceof ArrayBuffer)) throw new PkiError('MALFORMED_INPUT', `${what}: missing`);
    der = new Uint8Array(input.parameters);
  }
  const params = decodeDer(der, PBMParameter, what);
  const settings: PbmSettings = {
    salt: new Uint8Array(params.salt),
    owf: owfFromAlgorithm(params.owf, what),
    iterationCount: params.iterationCount,
    mac: hmacFromAlgorithm(params.mac, what),
  };
  checkPolicy(settings, limits.maxIterations, what);
  return settings;
}

/**
 * The protectionAlg for `settings`. Parameters of the OWF and MAC identifiers are left absent and HMAC-SHA1 is
 * written as {@link OID.hmacSha1}, byte for byte what OpenSSL writes.
 */
export function encodePbmAlgorithm(settings: PbmSettings): AlgorithmIdentifier {
  checkPolicy(settings, Number.MAX_SAFE_INTEGER, 'PasswordBasedMac settings');
  const mac = settings.mac === 'hmac-sha1' ? OID.hmacSha1 : HMAC_ALGORITHMS[settings.mac].oid;
  const params = new PBMParameter({
    salt: toArrayBuffer(settings.salt),
    owf: new AlgorithmIdentifier({ algorithm: OWF_ALGORITHMS[settings.owf].oid }),
    iterationCount: settings.iterationCount,
    mac: new AlgorithmIdentifier({ algorithm: mac }),
  });
  return new AlgorithmIdentifier({
    algorithm: OID.passwordBasedMac,
    parameters: toArrayBuffer(encodeDer(params)),
  });
}

function checkPolicy(settings: PbmSettings, maxIterations: number, what: string): void {
  checkMacSalt(settings.salt, what);
  checkMacIterations(settings.iterationCount, maxIterations, what);
}

/** What the computation itself needs; policy (minimums, caps) is applied where parameters arrive. */
function checkShape(settings: PbmSettings): void {
  if (!Number.isSafeInteger(settings.iterationCount) || settings.iterationCount < 1) {
    throw new PkiError('MALFORMED_INPUT', 'PasswordBasedMac: iterationCount must be a positive integer');
  }
}
