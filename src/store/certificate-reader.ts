import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import type { RevocationReason } from '../core/revocation-reason.js';
import type { CertificateRecord, CertificateStatus } from './records.js';

export interface CertificateQuery {
  readonly issuerId?: IssuerId;
  readonly profile?: string;
  readonly deviceId?: DeviceId;
  readonly status?: CertificateStatus;
  /** Only certificates whose notAfter is at or after this time (not yet expired at it). */
  readonly notAfterFrom?: Date;
  /** Only certificates whose notAfter is before this time. */
  readonly notAfterBefore?: Date;
  /** Ordered by notAfter then serial; at most this many (default 100, max 10 000). */
  readonly limit?: number;
  readonly offset?: number;
}

/** One line of a CRL (RFC 5280 §5.1.2.6). */
export interface RevokedCertificate {
  readonly serial: SerialHex;
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
  readonly invalidityDate: Date | null;
}

/** What an OCSP answer needs of a certificate: its status, and when and why it was revoked. */
export type CertificateStatusRecord = Pick<CertificateRecord, 'status' | 'revokedAt' | 'revocationReason'>;

export interface CertificateReader {
  get(issuerId: IssuerId, serial: SerialHex): Promise<CertificateRecord | undefined>;
  /** {@link get} narrowed to the status columns: the OCSP responder's lookup, which skips the DER. */
  status(issuerId: IssuerId, serial: SerialHex): Promise<CertificateStatusRecord | undefined>;
  /** The same serial may exist under several issuers; all are returned. */
  findBySerial(serial: SerialHex): Promise<readonly CertificateRecord[]>;
  list(query: CertificateQuery): Promise<readonly CertificateRecord[]>;
  count(query: Omit<CertificateQuery, 'limit' | 'offset'>): Promise<number>;
  /**
   * Every revoked certificate of the issuer that has not expired at `notAfterFrom` (an expired certificate may leave
   * the CRL, RFC 5280 §3.3), ordered by serial; with `revokedSince`, only those revoked at or after it (for delta
   * CRLs).
   */
  listRevoked(
    issuerId: IssuerId,
    options: { readonly notAfterFrom: Date; readonly revokedSince?: Date },
  ): Promise<readonly RevokedCertificate[]>;
  /**
   * The issued certificates of one profile that belong to no device (code-signing, TLS server, factory
   * station, OCSP responder) and have not expired at `validAt`: neither prepared nor revoked, notAfter at or
   * after it. Ordered by notAfter then serial; at most `limit` (default 100, max 10 000). A certificate issued
   * for a device (an operator naming one) is the device's and not listed. Reads only the certificates without
   * a device, however large the fleet, so it may run at every metrics refresh.
   */
  listIssuedWithoutDevice(query: IssuedWithoutDeviceQuery): Promise<readonly CertificateRecord[]>;
}

export interface IssuedWithoutDeviceQuery {
  readonly profile: string;
  readonly validAt: Date;
  readonly limit?: number;
}
