import { PkiError } from '../core/pki-error.js';
import { type PublicKey, publicKeyFromSpki } from './algorithms/key-algorithm.js';
import { type ParsedCertificate, verifyCertificateSignature } from './certificate.js';
import { bytesEqual, bytesToHex } from './der.js';

/** Longest chain accepted, anchor included; certfleet's own hierarchies are three deep. */
const MAX_PATH_LENGTH = 8;

export interface ValidatedPath {
  /** Leaf first, trust anchor last. */
  readonly certificates: readonly ParsedCertificate[];
  readonly anchor: ParsedCertificate;
}

/**
 * A set of trust anchors and the RFC 5280 §6 checks certfleet relies on: signatures, validity at a given time,
 * CA flags and key usage of every issuer, path length constraints. Revocation is the caller's concern (it
 * needs the store). Issuer public keys are imported once and kept, since the import costs more than a verify.
 */
export class TrustStore {
  private readonly anchors: readonly ParsedCertificate[];
  private readonly keys = new Map<string, PublicKey>();

  constructor(anchors: readonly ParsedCertificate[]) {
    this.anchors = anchors;
  }

  get anchorCertificates(): readonly ParsedCertificate[] {
    return this.anchors;
  }

  /**
   * Finds and checks a path from `leaf` through `intermediates` to one of the anchors, at time `at`.
   * Throws UNTRUSTED (no path, bad signature, not a CA) or CERT_EXPIRED (outside validity) with the reason.
   */
  validate(leaf: ParsedCertificate, intermediates: readonly ParsedCertificate[], at: Date): ValidatedPath {
    const path: ParsedCertificate[] = [leaf];
    let current = leaf;
    for (;;) {
      checkValidity(current, at, path.length === 1 ? 'certificate' : `issuer ${current.subjectText}`);
      const anchor = this.anchors.find((a) => bytesEqual(a.der, current.der));
      if (anchor) return { certificates: path, anchor };
      if (path.length >= MAX_PATH_LENGTH) throw new PkiError('UNTRUSTED', 'certificate chain is too long');

      const issuer = this.findIssuer(current, [...this.anchors, ...intermediates]);
      checkIssuerMayIssue(issuer, path.length - 1);
      path.push(issuer);
      current = issuer;
    }
  }

  private findIssuer(cert: ParsedCertificate, candidates: readonly ParsedCertificate[]): ParsedCertificate {
    const named = candidates.filter((c) => bytesEqual(c.subjectDer, cert.issuerDer) && c !== cert);
    if (named.length === 0) {
      throw new PkiError(
        'UNTRUSTED',
        `no trusted issuer found for ${cert.subjectText || 'the certificate'} (issuer ${cert.issuerText})`,
      );
    }
    const aki = cert.extensions.authorityKeyId;
    const ordered = aki
      ? [...named].sort((a, b) => Number(!matchesKeyId(b, aki)) - Number(!matchesKeyId(a, aki)))
      : named;
    for (const candidate of ordered) {
      if (verifyCertificateSignature(cert, this.publicKeyOf(candidate))) return candidate;
    }
    throw new PkiError(
      'UNTRUSTED',
      `the signature on ${cert.subjectText || 'the certificate'} does not verify with its issuer's key`,
    );
  }

  private publicKeyOf(cert: ParsedCertificate): PublicKey {
    const id = bytesToHex(cert.spkiDer);
    let key = this.keys.get(id);
    if (!key) {
      key = publicKeyFromSpki(cert.spkiDer);
      this.keys.set(id, key);
    }
    return key;
  }
}

function matchesKeyId(cert: ParsedCertificate, keyId: Uint8Array): boolean {
  return cert.extensions.subjectKeyId !== undefined && bytesEqual(cert.extensions.subjectKeyId, keyId);
}

function checkValidity(cert: ParsedCertificate, at: Date, what: string): void {
  if (at < cert.notBefore)
    throw new PkiError('CERT_EXPIRED', `${what} is not valid before ${cert.notBefore.toISOString()}`);
  if (at > cert.notAfter)
    throw new PkiError('CERT_EXPIRED', `${what} expired at ${cert.notAfter.toISOString()}`);
}

/** `below` counts the non-self-issued intermediates between this issuer and the leaf (RFC 5280 §6.1.4 (l)–(m)). */
function checkIssuerMayIssue(issuer: ParsedCertificate, below: number): void {
  const bc = issuer.extensions.basicConstraints;
  if (!bc?.ca) throw new PkiError('UNTRUSTED', `${issuer.subjectText} is not a CA certificate`);
  const ku = issuer.extensions.keyUsage;
  if (ku && !ku.usages.includes('keyCertSign')) {
    throw new PkiError('UNTRUSTED', `${issuer.subjectText} may not sign certificates (no keyCertSign)`);
  }
  if (bc.pathLength !== undefined && below > bc.pathLength) {
    throw new PkiError(
      'UNTRUSTED',
      `${issuer.subjectText} allows at most ${bc.pathLength} intermediate(s) below it`,
    );
  }
}
