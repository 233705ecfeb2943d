import type { SerialHex } from '../core/ids.js';
import type { AuditEvent, PreparedCertificate, SignedCertificate } from './records.js';

/**
 * The CA's writes. Both calls are durable when their promise resolves (committed, and on SQLite fsynced):
 * the CA records a certificate before signing it and records the signed DER before returning it, so no
 * certificate leaves that the store does not know.
 */
export interface CertificateLedger {
  /**
   * Records certificates about to be signed, all in one transaction. Serial uniqueness per issuer is a
   * database constraint: entries whose (issuer, serial) already exists are not recorded and their serials
   * are returned, so the CA can draw new ones. Every other entry is recorded, with `at` as its preparedAt
   * (the store reads no clock).
   */
  recordPrepared(entries: readonly PreparedCertificate[], at: Date): Promise<readonly SerialHex[]>;
  /**
   * Attaches the signed DER to prepared certificates and appends one audit event per certificate (built by
   * `audit`), in one transaction. A serial that was not prepared, or is already signed, fails the whole call
   * with CONFLICT and records nothing.
   */
  recordSigned(
    entries: readonly SignedCertificate[],
    at: Date,
    audit: (entry: SignedCertificate) => AuditEvent,
  ): Promise<void>;
}
