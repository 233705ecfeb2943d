import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import type { AltName } from '../pki/general-names.js';
import type { ProfileName } from '../pki/profiles/certificate-profile.js';
import type { PresentedCertificate } from '../store/records.js';

/**
 * The credential a requester presented. Each front end authenticates its own transport (mTLS, HTTP
 * authentication, JWS, MAC) and hands the RA what it received; the provisioner for that kind decides what it is
 * worth. Certificate chains are DER, leaf first, as the client sent them.
 */
export type Credential =
  /** A local operator (the CLI on the server, the admin API). */
  | { readonly kind: 'operator'; readonly name: string }
  /** A factory provisioning station's own certificate (profile factory-station). */
  | { readonly kind: 'station-certificate'; readonly chain: readonly Uint8Array[] }
  /** A device's birth certificate, for onboarding. */
  | { readonly kind: 'idevid'; readonly chain: readonly Uint8Array[] }
  /** A device's current operational certificate, for renewal. */
  | { readonly kind: 'ldevid'; readonly chain: readonly Uint8Array[] }
  /** A one-time enrollment token made by an operator for a device without an IDevID. */
  | { readonly kind: 'enrollment-token'; readonly secret: string }
  /** The server itself, for its own infrastructure certificates (delegated OCSP responders); never from a request. */
  | { readonly kind: 'service'; readonly name: string }
  /**
   * Whoever proved possession of the key of the chain's leaf (a CMP message signed with it, RFC 9483 §4.2). It
   * obtains nothing; it may revoke that one certificate.
   */
  | { readonly kind: 'certificate-holder'; readonly chain: readonly Uint8Array[] }
  /**
   * An ACME account (RFC 8555) whose JWS the ACME front end verified, asking for the DNS names and IP addresses
   * its validated authorizations cover; the certificate must carry exactly those.
   */
  | {
      readonly kind: 'acme-account';
      readonly accountId: string;
      readonly identifiers: readonly (
        { readonly type: 'dns'; readonly value: string } | { readonly type: 'ip'; readonly value: string }
      )[];
    };

export type CredentialKind = Credential['kind'];

/** The certificate a renewal replaces: the new request must keep its names (RFC 7030 §4.2.2). */
export interface RenewedCertificate {
  readonly issuerId: IssuerId;
  readonly serial: SerialHex;
  readonly subjectDer: Uint8Array;
  readonly altNames: readonly AltName[];
  readonly spkiDer: Uint8Array;
  /**
   * Set when an earlier renewal already replaced this certificate: the device lost that answer and renews again
   * from the old one, which stays valid until it expires. The supersession is then not recorded again.
   */
  readonly supersededBy: SerialHex | null;
}

/** What an authenticated credential may obtain. */
export interface Authorization {
  /** Stable description for logs, rate limits and the audit trail, e.g. `idevid:SN-0042`. */
  readonly requester: string;
  readonly profiles: readonly ProfileName[];
  /** When set, the certificate must be for this device and no other. */
  readonly deviceId?: DeviceId;
  readonly renewing?: RenewedCertificate;
  /** A single-use token: consumed when the certificate is issued. */
  readonly tokenSecretSha256?: string;
  /** The device certificate the requester authenticated with (IDevID or LDevID), for the device's record. */
  readonly presented?: PresentedCertificate;
  /** When set, the certificate carries exactly these alternative names (in any order) and no others. */
  readonly exactAltNames?: readonly AltName[];
}

/** Authenticates one kind of credential and returns its constraints; it never signs. */
export interface Provisioner<K extends CredentialKind = CredentialKind> {
  readonly kind: K;
  authorize(credential: Extract<Credential, { kind: K }>): Promise<Authorization>;
}
