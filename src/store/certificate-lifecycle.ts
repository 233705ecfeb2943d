import type { IssuerId, SerialHex } from '../core/ids.js';
import type { RevocationReason } from '../core/revocation-reason.js';
import type { AuditEvent } from './records.js';

export interface RevocationRequest {
  readonly issuerId: IssuerId;
  readonly serial: SerialHex;
  readonly reason: RevocationReason;
  /** RFC 5280 §5.3.2: when the key is known or suspected to have been compromised, if earlier than the revocation. */
  readonly invalidityDate: Date | null;
}

/** `revoked` now; `already-revoked` before (nothing changed, the first revocation stands); `not-found` unknown. */
export type RevocationResult = 'revoked' | 'already-revoked' | 'not-found';

/** Status changes of issued certificates other than issuance itself. */
export interface CertificateLifecycle {
  /**
   * Records that a renewal replaced the certificate. NOT_FOUND if it is unknown; marking it again with the same
   * successor is a no-op, with another one CONFLICT.
   */
  markSuperseded(issuerId: IssuerId, serial: SerialHex, supersededBy: SerialHex, at: Date): Promise<void>;
  /**
   * Revokes certificates (status prepared or issued → revoked, with `at`, reason and invalidity date), appending one
   * audit event per certificate it revokes (built by `audit`), all in one transaction. Idempotent: a certificate
   * revoked before keeps its first revocation and yields `already-revoked`. Results are in request order.
   */
  revoke(
    requests: readonly RevocationRequest[],
    at: Date,
    audit: (request: RevocationRequest) => AuditEvent,
  ): Promise<readonly RevocationResult[]>;
}
