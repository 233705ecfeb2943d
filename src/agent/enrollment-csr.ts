import type { Extension } from '@peculiar/asn1-x509';
import { generateKeyPair, type KeyAlgorithmName, type PrivateKey } from '../pki/algorithms/key-algorithm.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { buildCsr, type CsrContent } from '../pki/csr.js';
import { attributeShortName, formatName, nameValue } from '../pki/name.js';
import { OID } from '../pki/oids.js';
import type { CsrAttributesRequest } from '../protocols/est/wire/csr-attrs.js';

/** A CSR for a key made for it alone, and what the returned certificate must then show. */
export interface EnrollmentRequest {
  readonly csrDer: Uint8Array;
  readonly key: PrivateKey;
  /** RFC 4514 subject the issued certificate must carry. */
  readonly subjectText: string;
  /** Subject attributes csrattrs asks for that the device has no value for (logged; the server decides). */
  readonly unfilledSubjectAttributes: readonly string[];
}

/**
 * The onboarding request (RFC 7030 §4.2.1): a new key, the IDevID's subject — which holds the device's
 * serialNumber, the identity the server binds the LDevID to (docs/est.md) — and any extensions csrattrs asks for
 * (RFC 9908 §3.2). The server adds the device identity URI itself.
 */
export function onboardingRequest(
  idevid: ParsedCertificate,
  attributes: CsrAttributesRequest | undefined,
  keyAlgorithm: KeyAlgorithmName,
): EnrollmentRequest {
  const unfilled = (attributes?.requiredSubjectAttributeOids ?? [])
    .filter((oid) => nameValue(idevid.subject, oid) === undefined)
    .map(attributeShortName);
  const extensions = attributes?.extensionRequest ?? [];
  return build(
    {
      subject: idevid.subject,
      ...(extensions.length === 0 ? {} : { extensions }),
    },
    keyAlgorithm,
    unfilled,
  );
}

/**
 * The renewal request (RFC 7030 §4.2.2): a new key every time, the current certificate's subject and alternative
 * names exactly (the server refuses any change), and the other extensions csrattrs asks for.
 */
export function renewalRequest(
  current: ParsedCertificate,
  attributes: CsrAttributesRequest | undefined,
  keyAlgorithm: KeyAlgorithmName,
): EnrollmentRequest {
  const extensions: Extension[] = (attributes?.extensionRequest ?? []).filter(
    (extension) => extension.extnID !== OID.subjectAltName,
  );
  const altNames = current.extensions.subjectAltNames?.names ?? [];
  return build(
    {
      subject: current.subject,
      ...(altNames.length === 0 ? {} : { altNames }),
      ...(extensions.length === 0 ? {} : { extensions }),
    },
    keyAlgorithm,
    [],
  );
}

/**
 * The key type for the next request: the configured one, else the one csrattrs asks for (RFC 9908 §3), else
 * P-256.
 */
export function keyAlgorithmFor(
  configured: KeyAlgorithmName | undefined,
  attributes: CsrAttributesRequest | undefined,
): KeyAlgorithmName {
  if (configured !== undefined) return configured;
  const asked = attributes?.keyAlgorithm;
  if (asked?.oid === OID.ecPublicKey && asked.parameter === OID.secp384r1) return 'ec-p384';
  if (asked?.oid === OID.rsaEncryption) {
    if (asked.parameter === 2048) return 'rsa-2048';
    if (asked.parameter === 3072) return 'rsa-3072';
    if (asked.parameter === 4096) return 'rsa-4096';
  }
  if (attributes?.signatureAlgorithmOid === OID.ed25519) return 'ed25519';
  return 'ec-p256';
}

function build(content: CsrContent, keyAlgorithm: KeyAlgorithmName, unfilled: string[]): EnrollmentRequest {
  const key = generateKeyPair(keyAlgorithm);
  return {
    csrDer: buildCsr(content, key),
    key,
    subjectText: formatName(content.subject),
    unfilledSubjectAttributes: unfilled,
  };
}
