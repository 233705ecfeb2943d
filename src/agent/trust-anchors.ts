import { PkiError } from '../core/pki-error.js';
import { publicKeyFromSpki } from '../pki/algorithms/key-algorithm.js';
import { type ParsedCertificate, parseCertificate, verifyCertificateSignature } from '../pki/certificate.js';
import { TrustStore } from '../pki/chain.js';
import { bytesEqual } from '../pki/der.js';
import { encodePem, readPemAll } from '../pki/pem.js';

/** What a cacerts answer means for a device that already trusts `anchors`. */
export interface CaCertificatesReview {
  /** New roots proven by a NewWithOld link to a current anchor: trust them too (RFC 7030 §4.1.3). */
  readonly anchorsToAdd: readonly ParsedCertificate[];
  /** Self-signed roots with no such link: ignored, and worth a log line. */
  readonly ignoredRoots: readonly ParsedCertificate[];
  /** Everything that is not a root: issuing CAs and rollover links, the candidates for path building. */
  readonly intermediates: readonly ParsedCertificate[];
}

/**
 * RFC 7030 §4.1.3 root rollover as a device sees it. cacerts may carry NewWithNew (the new root, self-signed),
 * NewWithOld (the new root's subject and key certified by the old root) and OldWithNew. A new self-signed root
 * becomes an anchor only when a NewWithOld with its subject and key validates, at `at` (server time), under an
 * anchor the device already trusts; so whoever answers cacerts cannot slip in a root of their own. Old anchors
 * are kept: certificates issued under them stay valid until they expire.
 */
export function reviewCaCertificates(
  anchors: readonly ParsedCertificate[],
  received: readonly ParsedCertificate[],
  at: Date,
): CaCertificatesReview {
  const trust = new TrustStore(anchors);
  const anchorsToAdd: ParsedCertificate[] = [];
  const ignoredRoots: ParsedCertificate[] = [];
  const intermediates: ParsedCertificate[] = [];
  for (const certificate of received) {
    if (!isSelfSigned(certificate)) {
      intermediates.push(certificate);
      continue;
    }
    if (anchors.some((anchor) => bytesEqual(anchor.der, certificate.der))) continue;
    const linked = received.some(
      (link) =>
        link !== certificate &&
        !isSelfSigned(link) &&
        bytesEqual(link.subjectDer, certificate.subjectDer) &&
        bytesEqual(link.spkiDer, certificate.spkiDer) &&
        validatesUnder(trust, link, at),
    );
    if (linked && certificate.extensions.basicConstraints?.ca) anchorsToAdd.push(certificate);
    else ignoredRoots.push(certificate);
  }
  return { anchorsToAdd, ignoredRoots, intermediates };
}

/**
 * Bootstrap by pin (RFC 7030 §4.1.1 with out-of-band authentication): the self-signed root in a cacerts answer
 * whose SHA-256 fingerprint (of the DER; hex, colons and case ignored) is `pinnedRootSha256`. None is UNTRUSTED.
 */
export function pinnedRoot(
  received: readonly ParsedCertificate[],
  pinnedRootSha256: string,
): ParsedCertificate {
  const pin = pinnedRootSha256.toLowerCase().replace(/[^0-9a-f]/g, '');
  const root = received.find((c) => c.fingerprintSha256 === pin);
  if (!root)
    throw new PkiError('UNTRUSTED', 'cacerts holds no certificate with the pinned SHA-256 fingerprint');
  if (!isSelfSigned(root) || !root.extensions.basicConstraints?.ca) {
    throw new PkiError('UNTRUSTED', 'the pinned certificate is not a self-signed CA certificate');
  }
  return root;
}

/** Self-issued and verified by its own key: a root. A NewWithOld may share its name with the old root. */
export function isSelfSigned(certificate: ParsedCertificate): boolean {
  if (!certificate.selfIssued) return false;
  try {
    return verifyCertificateSignature(certificate, publicKeyFromSpki(certificate.spkiDer));
  } catch (error) {
    if (error instanceof PkiError) return false;
    throw error;
  }
}

export function parseAnchorsPem(pem: string): ParsedCertificate[] {
  return readPemAll(pem, 'CERTIFICATE', 'trust anchors').map((der) => parseCertificate(der));
}

export function anchorsToPem(anchors: readonly ParsedCertificate[]): string {
  return anchors.map((anchor) => encodePem('CERTIFICATE', anchor.der)).join('');
}

function validatesUnder(trust: TrustStore, link: ParsedCertificate, at: Date): boolean {
  try {
    trust.validate(link, [], at);
    return true;
  } catch (error) {
    if (error instanceof PkiError) return false;
    throw error;
  }
}
