import { randomBytes } from 'node:crypto';
import { GeneralName } from '@peculiar/asn1-x509';
import { PkiError } from '../../../core/pki-error.js';
import type { PrivateKey } from '../../../pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm } from '../../../pki/algorithms/signature-algorithm.js';
import { parseCertificate } from '../../../pki/certificate.js';
import { decodeName } from '../../../pki/name.js';
import type { HmacAlgorithm, MacOwf } from '../../../pki/mac-algorithms.js';
import { encodePbmAlgorithm } from '../../../pki/password-based-mac.js';
import { encodePbmac1Algorithm } from '../../../pki/pbmac1.js';
import { type MacScheme, macSchemeOf } from '../mac-scheme.js';
import type { ResponseProtection } from '../message-protection.js';
import { nullDirectoryName } from '../wire/response-message.js';

/**
 * How a client protects its requests (RFC 9483 §3.2): a MAC keyed by a shared secret named by a reference (the
 * enrollment token id, sent as senderKID), a signature with a key and its certificate chain (sent in extraCerts,
 * protection certificate first; senderKID is its subjectKeyIdentifier), or nothing (only for tests of refusals).
 */
export type ClientProtection =
  | {
      readonly kind: 'mac';
      readonly reference: string;
      readonly secret: Uint8Array;
      /** PasswordBasedMac or PBMAC1 with its parameters (see {@link pbmProtection}, {@link pbmac1Protection}). */
      readonly scheme: MacScheme;
    }
  | {
      readonly kind: 'signature';
      readonly key: PrivateKey;
      /** The protection certificate first, then its issuers (the root may be left out). */
      readonly chain: readonly Uint8Array[];
    }
  | { readonly kind: 'none' };

export interface PbmOptions {
  readonly owf?: MacOwf;
  readonly iterationCount?: number;
  readonly mac?: HmacAlgorithm;
  readonly salt?: Uint8Array;
}

/**
 * PasswordBasedMac (RFC 9810 §5.1.3.1) with OpenSSL's defaults unless told otherwise: SHA-256 as OWF, 500
 * iterations, HMAC-SHA1, a fresh 16-byte salt.
 */
export function pbmProtection(
  reference: string,
  secret: Uint8Array | string,
  options: PbmOptions = {},
): ClientProtection {
  const algorithm = encodePbmAlgorithm({
    salt: options.salt ?? new Uint8Array(randomBytes(16)),
    owf: options.owf ?? 'sha256',
    iterationCount: options.iterationCount ?? 500,
    mac: options.mac ?? 'hmac-sha1',
  });
  return macProtection(reference, secret, algorithm);
}

export interface Pbmac1Options {
  readonly iterationCount?: number;
  readonly prf?: HmacAlgorithm;
  readonly mac?: HmacAlgorithm;
  readonly keyLength?: number;
  readonly salt?: Uint8Array;
}

/** PBMAC1 with PBKDF2 (RFC 9481 §6.1.1): HMAC-SHA256 as PRF and MAC, 10 000 iterations, a fresh 16-byte salt. */
export function pbmac1Protection(
  reference: string,
  secret: Uint8Array | string,
  options: Pbmac1Options = {},
): ClientProtection {
  const algorithm = encodePbmac1Algorithm({
    salt: options.salt ?? new Uint8Array(randomBytes(16)),
    iterationCount: options.iterationCount ?? 10_000,
    prf: options.prf ?? 'hmac-sha256',
    mac: options.mac ?? 'hmac-sha256',
    ...(options.keyLength === undefined ? {} : { keyLength: options.keyLength }),
  });
  return macProtection(reference, secret, algorithm);
}

/** Signature protection with `key`; `chain` is the protection certificate first (RFC 9483 §3.3). */
export function signatureProtection(key: PrivateKey, chain: readonly Uint8Array[]): ClientProtection {
  if (chain.length === 0) throw new PkiError('MALFORMED_INPUT', 'signature protection needs a certificate');
  return { kind: 'signature', key, chain };
}

export const NO_PROTECTION: ClientProtection = { kind: 'none' };

function macProtection(
  reference: string,
  secret: Uint8Array | string,
  algorithm: Parameters<typeof macSchemeOf>[0],
): ClientProtection {
  // Our own parameters: no iteration cap applies to what we compute ourselves.
  const scheme = macSchemeOf(algorithm, Number.MAX_SAFE_INTEGER);
  if (!scheme) throw new PkiError('INTERNAL', 'not a MAC algorithm');
  const bytes = typeof secret === 'string' ? new Uint8Array(Buffer.from(secret, 'utf8')) : secret;
  return { kind: 'mac', reference, secret: bytes, scheme };
}

/** The header fields a protection implies: the sender (NULL-DN for a MAC) and senderKID. */
export function protectionIdentity(protection: ClientProtection): {
  sender: GeneralName;
  senderKid: Uint8Array | undefined;
} {
  switch (protection.kind) {
    case 'mac':
      return {
        sender: nullDirectoryName(),
        senderKid: new Uint8Array(Buffer.from(protection.reference, 'utf8')),
      };
    case 'signature': {
      const certificate = parseCertificate(protection.chain[0] ?? new Uint8Array());
      return {
        sender: new GeneralName({ directoryName: decodeName(certificate.subjectDer) }),
        senderKid: certificate.extensions.subjectKeyId,
      };
    }
    case 'none':
      return { sender: nullDirectoryName(), senderKid: undefined };
  }
}

/**
 * The same protection in the form message-protection.ts computes with (its `protect` and `protectionAlgorithm`
 * serve both directions), or undefined for an unprotected message.
 */
export function asMessageProtection(protection: ClientProtection): ResponseProtection | undefined {
  switch (protection.kind) {
    case 'mac':
      return {
        kind: 'mac',
        secret: protection.secret,
        scheme: protection.scheme,
        reference: protection.reference,
      };
    case 'signature': {
      const [der = new Uint8Array(), ...chain] = protection.chain;
      const certificate = parseCertificate(der);
      return {
        kind: 'signature',
        credential: {
          certificate: { der, chain, notBefore: certificate.notBefore, notAfter: certificate.notAfter },
          key: protection.key,
          signatureAlgorithm: defaultSignatureAlgorithm(protection.key.algorithm),
        },
      };
    }
    case 'none':
      return undefined;
  }
}
