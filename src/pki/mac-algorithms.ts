import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { PkiError } from '../core/pki-error.js';
import { OID } from './oids.js';

/**
 * The one-way functions of PasswordBasedMac (RFC 9810 §5.1.3.1, RFC 9481 §2) by their node:crypto hash names.
 * Anything else (MD5, SHA-3 for now) is refused as UNSUPPORTED_ALGORITHM.
 */
export type MacOwf = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/**
 * The HMACs of PasswordBasedMac's `mac`, PBKDF2's `prf` and PBMAC1's `messageAuthScheme` (RFC 9481 §6.2.1,
 * RFC 8018 §B.1.2 and §B.3).
 */
export type HmacAlgorithm = 'hmac-sha1' | 'hmac-sha224' | 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512';

export interface MacHash {
  readonly oid: string;
  /** The node:crypto hash name. */
  readonly hash: string;
  /** The hash's output size: the MAC's length and, for PBMAC1, the default keyLength. */
  readonly outputBytes: number;
}

export const OWF_ALGORITHMS: Readonly<Record<MacOwf, MacHash>> = {
  sha1: { oid: OID.sha1, hash: 'sha1', outputBytes: 20 },
  sha256: { oid: OID.sha256, hash: 'sha256', outputBytes: 32 },
  sha384: { oid: OID.sha384, hash: 'sha384', outputBytes: 48 },
  sha512: { oid: OID.sha512, hash: 'sha512', outputBytes: 64 },
};

/**
 * Each HMAC under its RFC 8018 `id-hmacWithSHA*` identifier, which is what we write, except that PasswordBasedMac
 * writes HMAC-SHA1 as {@link OID.hmacSha1} the way RFC 4210 peers (OpenSSL) do.
 */
export const HMAC_ALGORITHMS: Readonly<Record<HmacAlgorithm, MacHash>> = {
  'hmac-sha1': { oid: OID.hmacWithSHA1, hash: 'sha1', outputBytes: 20 },
  'hmac-sha224': { oid: OID.hmacWithSHA224, hash: 'sha224', outputBytes: 28 },
  'hmac-sha256': { oid: OID.hmacWithSHA256, hash: 'sha256', outputBytes: 32 },
  'hmac-sha384': { oid: OID.hmacWithSHA384, hash: 'sha384', outputBytes: 48 },
  'hmac-sha512': { oid: OID.hmacWithSHA512, hash: 'sha512', outputBytes: 64 },
};

const OWF_BY_OID = new Map(Object.entries(OWF_ALGORITHMS).map(([name, { oid }]) => [oid, name as MacOwf]));
const HMAC_BY_OID = new Map<string, HmacAlgorithm>([
  ...Object.entries(HMAC_ALGORITHMS).map(([name, { oid }]) => [oid, name as HmacAlgorithm] as const),
  [OID.hmacSha1, 'hmac-sha1'],
]);

/** The fewest iterations a peer may ask for (RFC 4211 §4.4 sets 100 as PasswordBasedMac's minimum). */
export const MIN_MAC_ITERATIONS = 100;

/**
 * Names a one-way function. Its parameters must be absent or NULL: a digest takes none, and refusing others
 * keeps a parser from accepting bytes it does not understand.
 */
export function owfFromAlgorithm(algorithm: AlgorithmIdentifier, what: string): MacOwf {
  const name = OWF_BY_OID.get(algorithm.algorithm);
  if (name === undefined) {
    throw new PkiError(
      'UNSUPPORTED_ALGORITHM',
      `${what}: one-way function ${algorithm.algorithm} is not accepted`,
    );
  }
  checkNoParameters(algorithm, what);
  return name;
}

/** Names an HMAC, accepting both identifiers of HMAC-SHA1; parameters absent or NULL as for a digest. */
export function hmacFromAlgorithm(algorithm: AlgorithmIdentifier, what: string): HmacAlgorithm {
  const name = HMAC_BY_OID.get(algorithm.algorithm);
  if (name === undefined) {
    throw new PkiError(
      'UNSUPPORTED_ALGORITHM',
      `${what}: MAC algorithm ${algorithm.algorithm} is not accepted`,
    );
  }
  checkNoParameters(algorithm, what);
  return name;
}

/**
 * The DoS guard shared by PasswordBasedMac and PBMAC1: the iteration count comes from the requester's message
 * and is paid for by the server before it knows whether the requester holds the secret, so the caller caps it.
 */
export function checkMacIterations(iterationCount: number, maxIterations: number, what: string): void {
  if (!Number.isSafeInteger(iterationCount) || iterationCount < MIN_MAC_ITERATIONS) {
    throw new PkiError('POLICY_VIOLATION', `${what}: iterationCount must be at least ${MIN_MAC_ITERATIONS}`, {
      details: { rule: 'cmp.pbm-iterations' },
    });
  }
  if (iterationCount > maxIterations) {
    throw new PkiError('POLICY_VIOLATION', `${what}: iterationCount above the limit of ${maxIterations}`, {
      details: { rule: 'cmp.pbm-iterations' },
    });
  }
}

/** Salt lengths we accept: RFC 9481 §6.1.1 and RFC 8018 §4.1 ask for at least 64 bits; 64 bytes is plenty. */
export const MAC_SALT_BYTES = { min: 8, max: 64 } as const;

export function checkMacSalt(salt: Uint8Array, what: string): void {
  if (salt.length < MAC_SALT_BYTES.min || salt.length > MAC_SALT_BYTES.max) {
    throw new PkiError(
      'POLICY_VIOLATION',
      `${what}: salt must be ${MAC_SALT_BYTES.min} to ${MAC_SALT_BYTES.max} bytes, not ${salt.length}`,
      { details: { rule: 'cmp.pbm-salt' } },
    );
  }
}

const NULL_DER = [0x05, 0x00];

function checkNoParameters(algorithm: AlgorithmIdentifier, what: string): void {
  const parameters = algorithm.parameters;
  if (parameters === undefined || parameters === null) return;
  const bytes = new Uint8Array(parameters);
  if (bytes.length === NULL_DER.length && bytes[0] === NULL_DER[0] && bytes[1] === NULL_DER[1]) return;
  throw new PkiError('MALFORMED_INPUT', `${what}: unexpected parameters for ${algorithm.algorithm}`);
}
