import { createHash } from 'node:crypto';
import { type AlgorithmIdentifier, Certificate, type Name } from '@peculiar/asn1-x509';
import type { SerialHex } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import { type KeyAlgorithmName, keyAlgorithmOf, type PublicKey } from './algorithms/key-algorithm.js';
import { signatureAlgorithmOf } from './algorithms/signature-algorithm.js';
import { bytesEqual, decodeDerWithTree, rawChild } from './der.js';
import { type ExtensionsView, readExtensions } from './extensions.js';
import { formatName } from './name.js';
import { readDerOrPem } from './pem.js';
import { serialToHex } from './serial.js';

/** An X.509 certificate decoded once, with the raw byte ranges that signatures and matching need. */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly tbsDer: Uint8Array;
  readonly version: number;
  readonly serial: SerialHex;
  readonly issuer: Name;
  readonly issuerDer: Uint8Array;
  readonly issuerText: string;
  readonly subject: Name;
  readonly subjectDer: Uint8Array;
  readonly subjectText: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spkiDer: Uint8Array;
  /** Undefined when the key type is one certfleet does not use; the certificate still parses. */
  readonly keyAlgorithm: KeyAlgorithmName | undefined;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  readonly extensions: ExtensionsView;
  /** Lower-case hex SHA-256 of the DER. */
  readonly fingerprintSha256: string;
  readonly selfIssued: boolean;
}

/** Parses a certificate from DER, PEM ("CERTIFICATE") or bare base64. Malformed input is MALFORMED_INPUT. */
export function parseCertificate(input: Uint8Array | string): ParsedCertificate {
  const der = readDerOrPem(input, ['CERTIFICATE'], 'certificate');
  const { value: cert, tree } = decodeDerWithTree(der, Certificate, 'certificate');
  const tbs = cert.tbsCertificate;
  // TBSCertificate fields: [0] version (explicit, present for v2/v3), serial, signature, issuer, validity, subject, spki.
  const shift = hasExplicitVersion(tree) ? 0 : -1;
  const issuerDer = rawChild(tree, [0, 3 + shift], 'certificate');
  const subjectDer = rawChild(tree, [0, 5 + shift], 'certificate');
  const spkiDer = rawChild(tree, [0, 6 + shift], 'certificate');
  if (!cert.signatureAlgorithm.isEqual(tbs.signature)) {
    throw new PkiError(
      'MALFORMED_INPUT',
      'certificate: signatureAlgorithm differs from tbsCertificate.signature',
    );
  }
  let keyAlgorithm: KeyAlgorithmName | undefined;
  try {
    keyAlgorithm = keyAlgorithmOf(tbs.subjectPublicKeyInfo);
  } catch (error) {
    if (!(error instanceof PkiError && error.code === 'UNSUPPORTED_ALGORITHM')) throw error;
  }
  return {
    der,
    tbsDer: rawChild(tree, [0], 'certificate'),
    version: tbs.version + 1,
    serial: serialToHex(new Uint8Array(tbs.serialNumber)),
    issuer: tbs.issuer,
    issuerDer,
    issuerText: formatName(tbs.issuer),
    subject: tbs.subject,
    subjectDer,
    subjectText: formatName(tbs.subject),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    spkiDer,
    keyAlgorithm,
    signatureAlgorithm: cert.signatureAlgorithm,
    signature: new Uint8Array(cert.signatureValue),
    extensions: readExtensions(tbs.extensions, 'certificate'),
    fingerprintSha256: createHash('sha256').update(der).digest('hex'),
    selfIssued: bytesEqual(issuerDer, subjectDer),
  };
}

function hasExplicitVersion(tree: Parameters<typeof rawChild>[0]): boolean {
  const first = rawChild(tree, [0, 0], 'certificate');
  return first[0] === 0xa0;
}

/** Whether `issuerKey` verifies the certificate's signature. An unsupported algorithm is UNSUPPORTED_ALGORITHM. */
export function verifyCertificateSignature(cert: ParsedCertificate, issuerKey: PublicKey): boolean {
  const algorithm = signatureAlgorithmOf(cert.signatureAlgorithm);
  if (!algorithm.keyAlgorithms.includes(issuerKey.algorithm)) return false;
  return algorithm.verify(issuerKey, cert.tbsDer, cert.signature);
}
