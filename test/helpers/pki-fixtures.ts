import type { Extension } from '@peculiar/asn1-x509';
import {
  generateKeyPair,
  type KeyAlgorithmName,
  type PrivateKey,
} from '../../src/pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm } from '../../src/pki/algorithms/signature-algorithm.js';
import type { IssuerId, SerialHex } from '../../src/core/ids.js';
import type { IssuerRecord } from '../../src/store/records.js';
import { assembleCrl, type CrlEntry, encodeTbsCertList } from '../../src/pki/crl.js';
import { assembleCertificate, encodeTbsCertificate } from '../../src/pki/certificate-builder.js';
import { type ParsedCertificate, parseCertificate } from '../../src/pki/certificate.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extendedKeyUsageExtension,
  keyIdentifierOf,
  keyUsageExtension,
  type KeyUsageName,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from '../../src/pki/extensions.js';
import type { AltName } from '../../src/pki/general-names.js';
import { buildName, encodeName, parseDistinguishedName } from '../../src/pki/name.js';
import { randomSerial } from '../../src/pki/serial.js';
import { bytesToHex } from '../../src/pki/der.js';

/** A certificate with its private key, for tests that need a small hierarchy without a store. */
export interface TestCredential {
  readonly key: PrivateKey;
  readonly cert: ParsedCertificate;
}

export interface TestCertificateOptions {
  readonly subject: string;
  /** A full RFC 4514 subject, instead of CN=`subject`. */
  readonly dn?: string;
  readonly key?: PrivateKey;
  readonly keyAlgorithm?: KeyAlgorithmName;
  readonly issuer?: TestCredential;
  readonly ca?: boolean;
  readonly pathLength?: number;
  readonly keyUsage?: readonly KeyUsageName[];
  readonly extendedKeyUsage?: readonly string[];
  readonly altNames?: readonly AltName[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Appended after the standard extensions, e.g. id-pkix-ocsp-nocheck for a delegated OCSP responder. */
  readonly extraExtensions?: readonly Extension[];
}

/** Makes a certificate with the schema builder; `issuer` absent means self-signed. CN only subjects. */
export function makeTestCertificate(options: TestCertificateOptions): TestCredential {
  const key = options.key ?? generateKeyPair(options.keyAlgorithm ?? 'ec-p256');
  const signerKey = options.issuer?.key ?? key;
  const algorithm = defaultSignatureAlgorithm(signerKey.algorithm);
  const subjectDer = encodeName(
    options.dn === undefined
      ? buildName([{ type: 'CN', value: options.subject }])
      : parseDistinguishedName(options.dn),
  );
  const ca = options.ca ?? false;
  const extensions = [
    basicConstraintsExtension(ca, options.pathLength),
    keyUsageExtension(options.keyUsage ?? (ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature'])),
    ...(options.extendedKeyUsage ? [extendedKeyUsageExtension(options.extendedKeyUsage)] : []),
    subjectKeyIdentifierExtension(keyIdentifierOf(key.spki)),
    authorityKeyIdentifierExtension(keyIdentifierOf(signerKey.spki)),
    ...(options.altNames ? [subjectAltNameExtension(options.altNames, false)] : []),
    ...(options.extraExtensions ?? []),
  ];
  const tbs = encodeTbsCertificate({
    serial: randomSerial(options.notBefore ?? new Date('2025-01-01T00:00:00Z')),
    signatureAlgorithm: algorithm,
    issuerDer: options.issuer?.cert.subjectDer ?? subjectDer,
    subjectDer,
    notBefore: options.notBefore ?? new Date('2025-01-01T00:00:00Z'),
    notAfter: options.notAfter ?? new Date('2045-01-01T00:00:00Z'),
    spkiDer: key.spki,
    extensions,
  });
  const der = assembleCertificate(tbs, algorithm, algorithm.sign(signerKey, tbs));
  return { key, cert: parseCertificate(der) };
}

/** Root → intermediate (pathLen 0) → leaf, all P-256 unless told otherwise. */
export function makeTestHierarchy(keyAlgorithm: KeyAlgorithmName = 'ec-p256') {
  const root = makeTestCertificate({ subject: 'Test Root', ca: true, keyAlgorithm });
  const intermediate = makeTestCertificate({
    subject: 'Test Issuing CA',
    ca: true,
    pathLength: 0,
    issuer: root,
    keyAlgorithm,
  });
  const leaf = makeTestCertificate({ subject: 'device-1', issuer: intermediate, keyAlgorithm });
  return { root, intermediate, leaf };
}

/** A CRL signed by `issuer` listing `entries`, number 42. */
export function makeTestCrl(issuer: TestCredential, entries: readonly CrlEntry[]): Uint8Array {
  const algorithm = defaultSignatureAlgorithm(issuer.key.algorithm);
  const tbs = encodeTbsCertList({
    signatureAlgorithm: algorithm,
    issuerDer: issuer.cert.subjectDer,
    authorityKeyId: keyIdentifierOf(issuer.key.spki),
    crlNumber: 42,
    thisUpdate: new Date('2026-03-04T00:00:00Z'),
    nextUpdate: new Date('2036-03-05T00:00:00Z'),
    entries,
  });
  return assembleCrl(tbs, algorithm, algorithm.sign(issuer.key, tbs));
}

export const SAMPLE_REVOCATIONS: readonly CrlEntry[] = [
  { serial: '0a' as SerialHex, revokedAt: new Date('2026-03-02T10:00:00Z'), reason: 'unspecified' },
  {
    serial: 'ff01' as SerialHex,
    revokedAt: new Date('2026-03-03T10:00:00Z'),
    reason: 'cessationOfOperation',
  },
  {
    serial: '4abc' as SerialHex,
    revokedAt: new Date('2026-03-01T10:00:00Z'),
    reason: 'keyCompromise',
    invalidityDate: new Date('2026-02-27T00:00:00Z'),
  },
];

/** `credential` as the store records an active issuer (`parentId` null: a root), created `createdAt`. */
export function issuerRecordOf(
  id: IssuerId,
  credential: TestCredential,
  parentId: IssuerId | null,
  createdAt: Date = new Date(),
): IssuerRecord {
  const cert = credential.cert;
  return {
    id,
    role: parentId === null ? 'root' : 'intermediate',
    parentId,
    subject: cert.subjectText,
    certificateDer: cert.der,
    keyUri: null,
    keyAlgorithm: credential.key.algorithm,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    subjectKeyIdHex: bytesToHex(cert.extensions.subjectKeyId ?? new Uint8Array(0)),
    fingerprintSha256: cert.fingerprintSha256,
    status: 'active',
    createdAt,
  };
}
