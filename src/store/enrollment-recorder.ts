import type { DeviceId, IssuerId, SerialHex } from '../core/ids.js';
import type { EnrollmentEvent, PresentedCertificate } from './records.js';

/** What an enrollment attempt changes about its device. */
export type DeviceChange =
  /** As DeviceRegistry.recordIdevid. */
  | {
      readonly kind: 'idevid';
      readonly issuerId: IssuerId;
      readonly serial: SerialHex;
      readonly productLine: string | null;
    }
  /** As DeviceRegistry.recordLdevid. */
  | {
      readonly kind: 'ldevid';
      readonly issuerId: IssuerId;
      readonly serial: SerialHex;
      readonly notAfter: Date;
      /** When it should be renewed (the point csrattrs announces). */
      readonly renewAt?: Date;
      /** The certificate the device authenticated with, if any. */
      readonly presented?: PresentedCertificate;
    }
  /** As DeviceRegistry.recordFailure. */
  | { readonly kind: 'failure'; readonly reason: string; readonly presented?: PresentedCertificate };

/** One enrollment attempt and its effects, written together. */
export interface EnrollmentOutcome {
  readonly event: EnrollmentEvent;
  readonly device?: { readonly id: DeviceId; readonly change: DeviceChange };
  /** A renewal's predecessor, as CertificateLifecycle.markSuperseded. */
  readonly superseded?: { readonly issuerId: IssuerId; readonly serial: SerialHex; readonly by: SerialHex };
}

/**
 * Writes enrollment outcomes (event, device change, superseded certificate), many per transaction: the RA
 * records every attempt, and a commit per attempt would cap a busy server at the disk's fsync rate. All of one
 * call commits together or not at all; the call resolves when it has committed.
 */
export interface EnrollmentRecorder {
  record(outcomes: readonly EnrollmentOutcome[]): Promise<void>;
}
