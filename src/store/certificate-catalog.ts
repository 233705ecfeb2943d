import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import type { CertificateRecord, CertificateStatus } from './records.js';

/** Where a page of certificates ends: the sort key of its last certificate. */
export interface CertificateKey {
  readonly notAfter: Date;
  readonly serial: SerialHex;
  readonly issuerId: IssuerId;
}

export interface CertificatePageQuery {
  readonly issuerId?: IssuerId;
  readonly profile?: string;
  readonly deviceId?: DeviceId;
  readonly status?: CertificateStatus;
  /** Keyset: only certificates after this key. */
  readonly after?: CertificateKey;
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

/**
 * Certificates page by page for the admin API, ordered by notAfter, serial, issuer (soonest expiry first, as
 * CertificateReader.list). The pages follow a key, not an offset, so a certificate issued while a client
 * pages is neither skipped nor listed twice.
 */
export interface CertificateCatalog {
  page(query: CertificatePageQuery): Promise<readonly CertificateRecord[]>;
  /**
   * How many certificates each issuer has issued that are still in force at `now` (issued, not revoked, not
   * expired); issuers with none are absent. It reads every certificate in force, so callers cache it.
   */
  countInForceByIssuer(now: Date): Promise<ReadonlyMap<IssuerId, number>>;
}
