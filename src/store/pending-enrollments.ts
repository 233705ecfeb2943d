import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';

export type PendingEnrollmentStatus = 'pending' | 'approved' | 'rejected' | 'issued';

/**
 * An enrollment request held for an operator's approval (RFC 7030 §4.2.3: the server answers 202 and the client
 * repeats the identical request until it gets its certificate or a refusal).
 */
export interface PendingEnrollmentRecord {
  readonly id: string;
  /** Where it came in, e.g. the EST label. */
  readonly label: string;
  /** SHA-256 (hex) of the request as the client sends it again: identifies the repeats. */
  readonly requestSha256: string;
  readonly deviceId: DeviceId | null;
  readonly requester: string;
  readonly profile: string;
  readonly csrDer: Uint8Array;
  readonly status: PendingEnrollmentStatus;
  readonly createdAt: Date;
  readonly decidedAt: Date | null;
  readonly decidedBy: string | null;
  readonly reason: string | null;
  readonly certificateIssuerId: IssuerId | null;
  readonly certificateSerial: SerialHex | null;
}

export interface NewPendingEnrollment {
  readonly id: string;
  readonly label: string;
  readonly requestSha256: string;
  readonly deviceId: DeviceId | null;
  readonly requester: string;
  readonly profile: string;
  readonly csrDer: Uint8Array;
}

export interface PendingEnrollmentQuery {
  readonly status?: PendingEnrollmentStatus;
  /** Newest first; default 100. */
  readonly limit?: number;
}

export interface PendingEnrollments {
  /**
   * The request already recorded for (label, requestSha256), whatever its status, or else a new `pending` one.
   * Concurrent calls for the same request yield the same record.
   */
  findOrCreate(request: NewPendingEnrollment, at: Date): Promise<PendingEnrollmentRecord>;
  get(id: string): Promise<PendingEnrollmentRecord | undefined>;
  list(query: PendingEnrollmentQuery): Promise<readonly PendingEnrollmentRecord[]>;
  /** pending → approved or rejected. NOT_FOUND for an unknown id; CONFLICT if it is not pending. */
  decide(
    id: string,
    decision: 'approved' | 'rejected',
    decidedBy: string,
    reason: string | null,
    at: Date,
  ): Promise<PendingEnrollmentRecord>;
  /**
   * approved → issued, remembering the certificate so a repeated request gets the same one. NOT_FOUND for an
   * unknown id; CONFLICT if it is not approved (so of two concurrent issuers only one succeeds).
   */
  markIssued(id: string, certificate: { issuerId: IssuerId; serial: SerialHex }, at: Date): Promise<void>;
}
