import { X509Certificate, type KeyObject } from 'node:crypto';
import { type ParsedCertificate, parseCertificate } from '../pki/certificate.js';
import { formatAltName } from '../pki/general-names.js';
import type { ObservedLeaf } from '../store/observation-log.js';

/** OpenSSL curve names as certfleet names the keys (`ec-p256`, as KEY_ALGORITHMS does). */
const CURVE_NAMES: Readonly<Record<string, string>> = {
  prime256v1: 'p256',
  secp384r1: 'p384',
  secp521r1: 'p521',
};

/** SAN prefixes of Node's `subjectAltName` text, as certificates.sans spells them. */
const SAN_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['DNS:', 'dns:'],
  ['IP Address:', 'ip:'],
  ['URI:', 'uri:'],
  ['email:', 'email:'],
];

/**
 * The leaf as an observation records it. Endpoints present certificates from anywhere, including kinds
 * certfleet does not issue (P-521, RSA-1024, odd extensions), so the fields come from our parser when it
 * accepts the certificate and from the TLS stack's (OpenSSL's) otherwise; the key is always named from the
 * TLS stack's view, which knows every type. Returns the parsed certificate too when our parser took it.
 */
export function describeLeaf(der: Uint8Array): { leaf: ObservedLeaf; parsed: ParsedCertificate | undefined } {
  const x509 = new X509Certificate(der);
  const keyAlgorithm = keyAlgorithmOf(x509.publicKey);
  let parsed: ParsedCertificate | undefined;
  try {
    parsed = parseCertificate(der);
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined) {
    return {
      parsed,
      leaf: {
        serial: parsed.serial,
        issuer: parsed.issuerText,
        subject: parsed.subjectText,
        sans: parsed.extensions.subjectAltNames?.names.map(formatAltName) ?? [],
        notBefore: parsed.notBefore,
        notAfter: parsed.notAfter,
        fingerprintSha256: parsed.fingerprintSha256,
        keyAlgorithm,
      },
    };
  }
  return {
    parsed,
    leaf: {
      serial: x509.serialNumber.toLowerCase(),
      issuer: x509.issuer.split('\n').reverse().join(','),
      subject: x509.subject.split('\n').reverse().join(','),
      sans: sansOf(x509.subjectAltName),
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
      fingerprintSha256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
      keyAlgorithm,
    },
  };
}

export function keyAlgorithmOf(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails;
  if (type === 'ec') {
    const curve = details?.namedCurve ?? 'unknown';
    return `ec-${CURVE_NAMES[curve] ?? curve}`;
  }
  if (type === 'rsa' || type === 'rsa-pss') return `${type}-${details?.modulusLength ?? 'unknown'}`;
  return type;
}

function sansOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(', ')
    .map((entry) => {
      const prefix = SAN_PREFIXES.find(([node]) => entry.startsWith(node));
      return prefix === undefined ? entry : `${prefix[1]}${entry.slice(prefix[0].length)}`;
    })
    .filter((entry) => entry.length > 0);
}
