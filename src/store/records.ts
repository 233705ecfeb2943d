import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import type { RevocationReason } from '../core/revocation-reason.js';

export type { RevocationReason };

/** Times are Date objects at millisecond precision; bytes are Uint8Array. */

export type IssuerRole = 'root' | 'intermediate';
export type IssuerStatus = 'active' | 'retired';

/** An issuer known to this deployment: an offline root (no key here) or an online intermediate (key by URI). */
export interface IssuerRecord {
  readonly id: IssuerId;
  readonly role: IssuerRole;
  readonly parentId: IssuerId | null;
  /** RFC 4514 string of the certificate's subject, for display and search. */
  readonly subject: string;
  readonly certificateDer: Uint8Array;
  /** Where the signing key lives; null for an offline root or an imported anchor whose key is elsewhere. */
  readonly keyUri: string | null;
  readonly keyAlgorithm: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectKeyIdHex: string;
  readonly fingerprintSha256: string;
  readonly status: IssuerStatus;
  readonly createdAt: Date;
}

/** `prepared`: recorded, about to be signed. `issued`: signed DER recorded. */
export type CertificateStatus = 'prepared' | 'issued' | 'revoked';

/** What the CA records before it signs (prepare → record → sign). */
export interface PreparedCertificate {
  readonly issuerId: IssuerId;
  readonly serial: SerialHex;
  readonly profile: string;
  /** RFC 4514 subject. */
  readonly subject: string;
  /** Subject alternative names in text form, e.g. `uri:urn:…`, `dns:gw1.example`. */
  readonly sans: readonly string[];
  readonly deviceId: DeviceId | null;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly keyAlgorithm: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex; finds reused keys. */
  readonly spkiSha256: string;
  /** How the certificate was requested: `cli`, `est`, `cmp`, `acme`, `ceremony`… */
  readonly requestedVia: string;
}

export interface SignedCertificate {
  readonly issuerId: IssuerId;
  readonly serial: SerialHex;
  readonly der: Uint8Array;
  readonly fingerprintSha256: string;
}

export interface CertificateRecord extends PreparedCertificate {
  readonly status: CertificateStatus;
  /** Null while `prepared`. */
  readonly der: Uint8Array | null;
  readonly fingerprintSha256: string | null;
  readonly preparedAt: Date;
  readonly issuedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly revocationReason: RevocationReason | null;
  readonly invalidityDate: Date | null;
  /** Serial of the certificate that replaced this one (renewal), if any. */
  readonly supersededBy: SerialHex | null;
}

export type DeviceState =
  'provisioned' | 'active' | 'renewal_due' | 'at_risk' | 'expired' | 'revoked' | 'decommissioned';

/**
 * The certificate a device presented to authenticate an enrollment attempt (its TLS client certificate): the
 * IDevID when it onboards, its LDevID when it renews.
 */
export interface PresentedCertificate {
  readonly profile: 'idevid' | 'ldevid';
  /** Our issuer, or null for a birth certificate from a third-party manufacturer. */
  readonly issuerId: IssuerId | null;
  readonly serial: SerialHex;
  readonly notAfter: Date;
}

export interface DeviceRecord {
  readonly id: DeviceId;
  readonly productLine: string | null;
  readonly state: DeviceState;
  readonly idevidSerial: SerialHex | null;
  readonly idevidIssuerId: IssuerId | null;
  readonly ldevidSerial: SerialHex | null;
  readonly ldevidIssuerId: IssuerId | null;
  readonly ldevidNotAfter: Date | null;
  /** When the newest LDevID should be renewed (the point csrattrs announces); null if not known. */
  readonly ldevidRenewAt: Date | null;
  readonly lastSuccessAt: Date | null;
  readonly lastFailureAt: Date | null;
  readonly lastFailureReason: string | null;
  /** Failed enrollment attempts since the last success. */
  readonly consecutiveFailures: number;
  /** The certificate the device last authenticated with, and when; null until it has. */
  readonly lastPresented: (PresentedCertificate & { readonly at: Date }) | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type EnrollmentOutcome = 'issued' | 'refused' | 'pending' | 'error';

/** One attempt to get a certificate, successful or not. */
export interface EnrollmentEvent {
  readonly at: Date;
  readonly deviceId: DeviceId | null;
  /** Front end: `cli`, `est`, `cmp`, `acme`, `api`. */
  readonly protocol: string;
  /** e.g. `issue`, `simpleenroll`, `simplereenroll`, `ir`, `kur`. */
  readonly operation: string;
  readonly profile: string | null;
  readonly issuerId: IssuerId | null;
  readonly outcome: EnrollmentOutcome;
  /** The error code or rule for a refusal; null when issued. */
  readonly reasonCode: string | null;
  readonly reason: string | null;
  /** Who asked, as the RA authenticated it (e.g. `operator:cli`, `idevid:<serial>`). */
  readonly requester: string;
  readonly certificateSerial: SerialHex | null;
}

export interface EnrollmentEventRecord extends EnrollmentEvent {
  readonly id: number;
}

/** An append-only, hash-chained audit entry. Event names are stable and dotted: `cert.issued`. */
export interface AuditEvent {
  readonly at: Date;
  readonly event: string;
  readonly actor: string;
  /** What the event is about, e.g. `cert:<issuer>/<serial>`, `issuer:factory`. */
  readonly subject: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface AuditRecord extends AuditEvent {
  readonly seq: number;
  /** hex SHA-256 of the previous record's hash and this record's canonical content. */
  readonly hash: string;
  readonly prevHash: string;
}
