import type { KeyAlgorithmName } from '../algorithms/key-algorithm.js';
import type { KeyUsageName } from '../extensions.js';
import type { AltNameType } from '../general-names.js';

export const PROFILE_NAMES = [
  'root-ca',
  'intermediate-ca',
  'idevid',
  'ldevid',
  'tls-server',
  'code-signing',
  'factory-station',
  'ocsp-responder',
  'cmp-ra',
] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export function isProfileName(value: string): value is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(value);
}

/** Who may sign a certificate of this profile: the subject itself, the offline root, or an online intermediate. */
export type IssuedBy = 'self' | 'root' | 'intermediate';

/**
 * A certificate profile fixes everything about a kind of certificate that a requester may not choose: key
 * usage, extended key usage, CA flags, which keys and names are acceptable and how long it may live. The RA
 * applies it to decide, and the CA applies it again before signing.
 */
export interface CertificateProfile {
  readonly name: ProfileName;
  readonly description: string;
  readonly issuedBy: IssuedBy;
  readonly ca: boolean;
  /** basicConstraints pathLenConstraint for CA profiles; absent means unlimited. */
  readonly pathLength?: number;
  readonly keyUsage: readonly KeyUsageName[];
  /** Extra key usages for RSA keys (TLS 1.2 RSA key transport needs keyEncipherment). */
  readonly rsaKeyUsage?: readonly KeyUsageName[];
  readonly extendedKeyUsage: readonly string[];
  readonly validity: {
    readonly defaultSeconds: number;
    readonly minSeconds: number;
    readonly maxSeconds: number;
  };
  readonly keyAlgorithms: readonly KeyAlgorithmName[];
  readonly subject: {
    /** OIDs that must be present. */
    readonly required: readonly string[];
    /** OIDs that may be present; anything else is refused. */
    readonly allowed: readonly string[];
    /** Whether an empty subject is acceptable (identity then lives in a critical SAN, RFC 5280 §4.1.2.6). */
    readonly mayBeEmpty: boolean;
  };
  readonly altNames: {
    /** At least one name of one of these types must be present; empty means none are required. */
    readonly requiredOneOf: readonly AltNameType[];
    readonly allowed: readonly AltNameType[];
    readonly wildcardDns: boolean;
  };
  /** Whether issued certificates point at the issuer's CRL and OCSP responder. */
  readonly revocationPointers: boolean;
  /**
   * When renewal should start, as a fraction of the lifetime after notBefore (2/3: a 30-day certificate is renewed
   * from day 20). Absent for certificates that are not renewed automatically.
   */
  readonly renewalWindowStart?: number;
  /** Add id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): a delegated OCSP responder's own status is not checked. */
  readonly ocspNoCheck?: boolean;
}
