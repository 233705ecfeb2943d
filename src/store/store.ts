import type { AuditLog } from './audit-log.js';
import type { CertificateLedger } from './certificate-ledger.js';
import type { CertificateLifecycle } from './certificate-lifecycle.js';
import type { CertificateReader } from './certificate-reader.js';
import type { CrlStore } from './crl-store.js';
import type { DeviceRegistry } from './device-registry.js';
import type { EnrollmentLog } from './enrollment-log.js';
import type { EnrollmentRecorder } from './enrollment-recorder.js';
import type { EnrollmentTokens } from './enrollment-tokens.js';
import type { FleetReader } from './fleet-reader.js';
import type { IssuerRegistry } from './issuer-registry.js';
import type { PendingEnrollments } from './pending-enrollments.js';

/**
 * An opened store: one object per role. Only server/ and cli/ hold the whole Store; they hand each consumer
 * the role it needs.
 */
export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  readonly ledger: CertificateLedger;
  readonly certificates: CertificateReader;
  readonly issuers: IssuerRegistry;
  readonly devices: DeviceRegistry;
  readonly enrollments: EnrollmentLog;
  readonly audit: AuditLog;
  readonly lifecycle: CertificateLifecycle;
  /** Batched (group-committed) enrollment outcomes; what the RA writes for every attempt. */
  readonly enrollmentRecorder: EnrollmentRecorder;
  readonly tokens: EnrollmentTokens;
  readonly pendingEnrollments: PendingEnrollments;
  readonly crls: CrlStore;
  /** The fleet view: devices at risk, devices per state. */
  readonly fleet: FleetReader;
  close(): Promise<void>;
}
