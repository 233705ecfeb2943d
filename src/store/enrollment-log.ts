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
}
