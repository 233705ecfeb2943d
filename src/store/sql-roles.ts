import type { Kysely } from 'kysely';
import type { AuditAppender } from './audit-appender.js';
import type { RevocationRecorder } from './revocation-recorder.js';
import type { Database } from './schema.js';
import { SqlAcmeAccounts } from './sql-acme-accounts.js';
import { GroupCommitAcmeNonces } from './group-commit-acme-nonces.js';
import { SqlAcmeNonces } from './sql-acme-nonces.js';
import { SqlAcmeOrders } from './sql-acme-orders.js';
import { SqlAlertRules } from './sql-alert-rules.js';
import { SqlAlertStates } from './sql-alert-states.js';
import { SqlAuditLog } from './sql-audit-log.js';
import { SqlCertificateLifecycle } from './sql-certificate-lifecycle.js';
import { SqlCertificateReader } from './sql-certificate-reader.js';
import { SqlCmpTransactions } from './sql-cmp-transactions.js';
import { SqlCrlStore } from './sql-crl-store.js';
import { SqlDeliveryLog } from './sql-delivery-log.js';
import { SqlDeviceRegistry } from './sql-device-registry.js';
import { SqlEnrollmentLog } from './sql-enrollment-log.js';
import { SqlFleetReader } from './sql-fleet-reader.js';
import { SqlApiTokens } from './sql-api-tokens.js';
import { SqlAuditHistory } from './sql-audit-history.js';
import { SqlCertificateCatalog } from './sql-certificate-catalog.js';
import { SqlEnrollmentTokenCatalog } from './sql-enrollment-token-catalog.js';
import { SqlEnrollmentTokens } from './sql-enrollment-tokens.js';
import { SqlEndpointRegistry } from './sql-endpoint-registry.js';
import { SqlObservationLog } from './sql-observation-log.js';
import { SqlIssuerRegistry } from './sql-issuer-registry.js';
import { SqlPendingEnrollments } from './sql-pending-enrollments.js';
import { SqlRenewalWindows } from './sql-renewal-windows.js';
import type { Store } from './store.js';

/**
 * The roles both engines share through Kysely; each store adds its own ledger, audit appender, revocation
 * recorder and enrollment recorder.
 */
export type SqlRoles = Pick<
  Store,
  | 'certificates'
  | 'issuers'
  | 'devices'
  | 'enrollments'
  | 'audit'
  | 'lifecycle'
  | 'tokens'
  | 'pendingEnrollments'
  | 'crls'
  | 'fleet'
  | 'apiTokens'
  | 'certificateCatalog'
  | 'auditHistory'
  | 'enrollmentTokenCatalog'
  | 'endpoints'
  | 'observations'
  | 'alertRules'
  | 'alertStates'
  | 'alertDeliveries'
  | 'cmpTransactions'
  | 'acmeAccounts'
  | 'acmeOrders'
  | 'acmeNonces'
  | 'renewalWindows'
>;

export function createSqlRoles(
  db: Kysely<Database>,
  auditAppender: AuditAppender,
  revocations: RevocationRecorder,
): SqlRoles {
  return {
    certificates: new SqlCertificateReader(db),
    issuers: new SqlIssuerRegistry(db),
    devices: new SqlDeviceRegistry(db),
    enrollments: new SqlEnrollmentLog(db),
    audit: new SqlAuditLog(db, auditAppender),
    lifecycle: new SqlCertificateLifecycle(db, revocations),
    tokens: new SqlEnrollmentTokens(db),
    pendingEnrollments: new SqlPendingEnrollments(db),
    crls: new SqlCrlStore(db),
    fleet: new SqlFleetReader(db),
    apiTokens: new SqlApiTokens(db),
    certificateCatalog: new SqlCertificateCatalog(db),
    auditHistory: new SqlAuditHistory(db),
    enrollmentTokenCatalog: new SqlEnrollmentTokenCatalog(db),
    endpoints: new SqlEndpointRegistry(db),
    observations: new SqlObservationLog(db),
    alertRules: new SqlAlertRules(db),
    alertStates: new SqlAlertStates(db),
    alertDeliveries: new SqlDeliveryLog(db),
    cmpTransactions: new SqlCmpTransactions(db),
    acmeAccounts: new SqlAcmeAccounts(db),
    acmeOrders: new SqlAcmeOrders(db),
    acmeNonces: new GroupCommitAcmeNonces(new SqlAcmeNonces(db)),
    renewalWindows: new SqlRenewalWindows(db),
  };
}
