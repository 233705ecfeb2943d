import { createHash } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { isPkiError } from '../../core/pki-error.js';
import { publicKeyFromSpki } from '../../pki/algorithms/key-algorithm.js';
import { signatureAlgorithmOf } from '../../pki/algorithms/signature-algorithm.js';
import { parseCertificate } from '../../pki/certificate.js';
import { bytesEqual, decodeDer, toBytes } from '../../pki/der.js';
import type { RenewingCredential } from '../../pki/renewing-credentials.js';
import { CmpFailure } from './cmp-failure.js';
import { type MacScheme, macSchemeOf } from './mac-scheme.js';
import type { ReceivedMessage } from './wire/received-message.js';

/**
 * Who sent a message, as its protection proves (RFC 9810 §5.1.3, RFC 9483 §3.2):
 * - `mac`: a shared secret, named by senderKID (the enrollment token's id), with the MAC scheme it used;
 * - `signature`: the holder of the protection certificate's key, with the chain it sent (extraCerts, certificate first);
 * - `none`: an unprotected message.
 */
export type Sender =
  | {
      readonly kind: 'mac';
      readonly reference: string;
      readonly secret: Uint8Array;
      readonly scheme: MacScheme;
    }
  | { readonly kind: 'signature'; readonly chain: readonly Uint8Array[]; readonly fingerprintSha256: string }
  | { readonly kind: 'none' };

/** Stable name of a sender for transaction ownership and logs (never the secret). */
export function senderKey(sender: Sender): string {
  switch (sender.kind) {
    case 'mac':
      return `mac:${sender.reference}`;
    case 'signature':
      return `signature:${sender.fingerprintSha256}`;
    case 'none':
      return 'none';
  }
}

export interface ProtectionCheckOptions {
  /** The secret a senderKID names (the enrollment token derived from its id), or undefined when it names none. */
  readonly secretFor: (reference: string) => Uint8Array | undefined;
  /** Highest PBM/PBKDF2 iteration count accepted: each one costs us a hash (a DoS lever otherwise). */
  readonly maxIterations: number;
}

/**
 * Checks a request's protection and says who sent it. A protection that does not verify is badMessageCheck; one
 * we cannot evaluate (unknown algorithm, no certificate to check a signature with) is wrongIntegrity or badAlg.
 */
export function checkProtection(received: ReceivedMessage, options: ProtectionCheckOptions): Sender {
  const { header, protection } = received.message;
  const algorithm = header.protectionAlg;
  if (algorithm === undefined || protection === undefined) {
    if (algorithm !== undefined || protection !== undefined)
      throw new CmpFailure(
        'badMessageCheck',
        'MALFORMED_INPUT',
        'protectionAlg and protection must come together',
      );
    return { kind: 'none' };
  }
  const value = toBytes(protection);
  const scheme = macSchemeOf(algorithm, options.maxIterations);
  if (scheme) {
    const kid = received.senderKid;
    if (kid === undefined || kid.length === 0 || kid.length > 128)
      throw new CmpFailure(
        'badMessageCheck',
        'UNAUTHORIZED',
        'MAC protection needs the reference in senderKID',
      );
    const reference = Buffer.from(kid).toString('utf8');
    const secret = options.secretFor(reference);
    if (!secret || !scheme.verify(secret, received.protectedPart, value))
      throw new CmpFailure('badMessageCheck', 'UNAUTHORIZED', 'the MAC protection does not verify');
    return { kind: 'mac', reference, secret, scheme };
  }
  return checkSignature(received, algorithm, value);
}

function checkSignature(
  received: ReceivedMessage,
  algorithm: AlgorithmIdentifier,
  value: Uint8Array,
): Sender {
  let signatureAlgorithm;
  try {
    signatureAlgorithm = signatureAlgorithmOf(algorithm);
  } catch (error) {
    if (isPkiError(error))
      throw new CmpFailure(
        'badAlg',
        'UNSUPPORTED_ALGORITHM',
        `protection algorithm ${algorithm.algorithm} is not supported`,
      );
    throw error;
  }
  const [first] = received.extraCerts;
  if (first === undefined)
    throw new CmpFailure(
      'wrongIntegrity',
      'UNAUTHORIZED',
      'a signed message must carry its protection certificate first in extraCerts',
    );
  let certificate;
  try {
    certificate = parseCertificate(first);
  } catch {
    throw new CmpFailure('badMessageCheck', 'UNAUTHORIZED', 'the protection certificate cannot be read');
  }
  const kid = received.senderKid;
  const ski = certificate.extensions.subjectKeyId;
  if (kid !== undefined && ski !== undefined && !bytesEqual(kid, ski))
    throw new CmpFailure(
      'badMessageCheck',
      'UNAUTHORIZED',
      'senderKID does not name the protection certificate',
    );
  const key = certificate.keyAlgorithm === undefined ? undefined : publicKeyOf(certificate.spkiDer);
  if (!key || !signatureAlgorithm.keyAlgorithms.includes(key.algorithm))
    throw new CmpFailure(
      'badAlg',
      'UNSUPPORTED_ALGORITHM',
      `a ${signatureAlgorithm.name} protection cannot come from this certificate's key`,
    );
  if (!signatureAlgorithm.verify(key, received.protectedPart, value))
    throw new CmpFailure('badMessageCheck', 'UNAUTHORIZED', 'the signature protection does not verify');
  return {
    kind: 'signature',
    chain: received.extraCerts,
    fingerprintSha256: createHash('sha256').update(first).digest('hex'),
  };
}

/** How a response is protected: like the request (RFC 9483 §3.2), else signed with the CMP server's certificate. */
export type ResponseProtection =
  | {
      readonly kind: 'mac';
      readonly secret: Uint8Array;
      readonly scheme: MacScheme;
      readonly reference: string;
    }
  | { readonly kind: 'signature'; readonly credential: RenewingCredential };

export function protectionAlgorithm(protection: ResponseProtection): AlgorithmIdentifier {
  return protection.kind === 'mac'
    ? protection.scheme.algorithm
    : decodeDer(
        protection.credential.signatureAlgorithm.identifierDer,
        AlgorithmIdentifier,
        'signature algorithm',
      );
}

export function protect(protection: ResponseProtection, protectedPart: Uint8Array): Uint8Array {
  return protection.kind === 'mac'
    ? protection.scheme.compute(protection.secret, protectedPart)
    : protection.credential.signatureAlgorithm.sign(protection.credential.key, protectedPart);
}

function publicKeyOf(spkiDer: Uint8Array) {
  try {
    return publicKeyFromSpki(spkiDer);
  } catch {
    return undefined;
  }
}
