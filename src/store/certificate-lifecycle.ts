import type { IssuerId, SerialHex } from '../core/ids.js';

/** Status changes of issued certificates other than issuance itself. Revocation joins later. */
export interface CertificateLifecycle {
  /**
   * Records that a renewal replaced the certificate. NOT_FOUND if it is unknown; marking it again with the same
   * successor is a no-op, with another one CONFLICT.
   */
  markSuperseded(issuerId: IssuerId, serial: SerialHex, supersededBy: SerialHex, at: Date): Promise<void>;
}
