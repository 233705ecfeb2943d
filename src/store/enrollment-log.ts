import type { DeviceId } from '../core/ids.js';
import type { EnrollmentEvent, EnrollmentEventRecord, EnrollmentOutcome } from './records.js';

export interface EnrollmentQuery {
  readonly deviceId?: DeviceId;
  readonly outcome?: EnrollmentOutcome;
  readonly since?: Date;
  /** Newest first; default 100. */
  readonly limit?: number;
}

/** Every attempt to get a certificate, failures included: the fleet view reads why devices fail. */
export interface EnrollmentLog {
  append(event: EnrollmentEvent): Promise<void>;
  list(query: EnrollmentQuery): Promise<readonly EnrollmentEventRecord[]>;
  /** One device's events, newest first, page by page from a key (the admin API's device detail). */
  devicePage(query: DeviceEventPageQuery): Promise<readonly EnrollmentEventRecord[]>;
  /**
   * The failed attempts (refused or error; a pending request is a result, not a failure) since a moment,
   * grouped by reason code, the cause whose last failure is newest first.
   */
  failuresByCause(since: Date): Promise<readonly EnrollmentFailureCause[]>;
}

/** Where a page of a device's events ends: its last event's time and id (newest first). */
export interface EnrollmentEventKey {
  readonly at: Date;
  readonly id: number;
}

export interface DeviceEventPageQuery {
  readonly deviceId: DeviceId;
  /** Keyset: only events older than this key. */
  readonly before?: EnrollmentEventKey;
  /** Default 100, at most 10 000. */
  readonly limit?: number;
}

export interface EnrollmentFailureCause {
  /** The error code or rule; null for failures recorded without one. */
  readonly reasonCode: string | null;
  readonly count: number;
  readonly lastAt: Date;
  /** The reason of the newest failure of this cause. */
  readonly lastReason: string | null;
}
