import type { AcmeAccounts, AcmeNonces, AcmeOrders, RenewalWindows } from './acme-state.js';
import type { AlertRules } from './alert-rules.js';
import type { AlertStates } from './alert-states.js';
import type { AuditLog } from './audit-log.js';
import type { CertificateLedger } from './certificate-ledger.js';
import type { CertificateLifecycle } from './certificate-lifecycle.js';
import type { CertificateReader } from './certificate-reader.js';
import type { CmpTransactions } from './cmp-transactions.js';
import type { CrlStore } from './crl-store.js';
import type { DeliveryLog } from './delivery-log.js';
import type { DeviceRegistry } from './device-registry.js';
import type { EnrollmentLog } from './enrollment-log.js';
import type { EnrollmentRecorder } from './enrollment-recorder.js';
import type { EnrollmentTokens } from './enrollment-tokens.js';
import type { FleetReader } from './fleet-reader.js';
import type { ApiTokens } from './api-tokens.js';
import type { AuditHistory } from './audit-history.js';
import type { CertificateCatalog } from './certificate-catalog.js';
import type { EnrollmentTokenCatalog } from './enrollment-token-catalog.js';
import type { EndpointRegistry } from './endpoint-registry.js';
import type { ObservationLog } from './observation-log.js';
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
  /** The admin API: operators' tokens, and the lists it pages through by key. */
  readonly apiTokens: ApiTokens;
  readonly certificateCatalog: CertificateCatalog;
  readonly auditHistory: AuditHistory;
  readonly enrollmentTokenCatalog: EnrollmentTokenCatalog;
  /** The external monitor's endpoints, and what each probe saw. */
  readonly endpoints: EndpointRegistry;
  readonly observations: ObservationLog;
  /** Alerting (migration 0006): the rules, what each rule found per subject, the delivery log. */
  readonly alertRules: AlertRules;
  readonly alertStates: AlertStates;
  readonly alertDeliveries: DeliveryLog;
  /** The CMP server's transactions (migration 0009), shared by every node. */
  readonly cmpTransactions: CmpTransactions;
  /** The ACME server's state (migration 0010), shared by every node, and the ARI renewal windows. */
  readonly acmeAccounts: AcmeAccounts;
  readonly acmeOrders: AcmeOrders;
  readonly acmeNonces: AcmeNonces;
  readonly renewalWindows: RenewalWindows;
  close(): Promise<void>;
}
