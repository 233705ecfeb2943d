import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
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
import type { EnrollmentTokens } from './enrollment-tokens.js';
import type { FleetReader } from './fleet-reader.js';
import type { ApiTokens } from './api-tokens.js';
import type { AuditHistory } from './audit-history.js';
import type { CertificateCatalog } from './certificate-catalog.js';
import type { EnrollmentTokenCatalog } from './enrollment-token-catalog.js';
import type { EndpointRegistry } from './endpoint-registry.js';
import type { ObservationLog } from './observation-log.js';
import { GroupCommitEnrollmentRecorder } from './group-commit-enrollment-recorder.js';
import type { IssuerRegistry } from './issuer-registry.js';
import { migrateToLatest } from './migrate-to-latest.js';
import type { PendingEnrollments } from './pending-enrollments.js';
import type { Database } from './schema.js';
import { createSqlRoles } from './sql-roles.js';
import { SqliteEnrollmentRecorder } from './sqlite-enrollment-recorder.js';
import { SqliteAuditChain } from './sqlite-audit-chain.js';
import { SqliteCertificateLedger } from './sqlite-certificate-ledger.js';
import { SqliteRevocationRecorder } from './sqlite-revocation-recorder.js';
import { openSqliteDatabase, SQLITE_MEMORY } from './sqlite-database.js';
import {
  SqliteWriterThread,
  ThreadedCertificateLedger,
  ThreadedEnrollmentRecorder,
  ThreadedRevocationRecorder,
} from './sqlite-writer-thread.js';
import { createSqliteKysely } from './sqlite-kysely.js';
import type { Store } from './store.js';

/** The default store: one SQLite file (or `:memory:`), for a single server node. */
export class SqliteStore implements Store {
  readonly engine = 'sqlite';
  readonly ledger: CertificateLedger;
  readonly certificates: CertificateReader;
  readonly issuers: IssuerRegistry;
  readonly devices: DeviceRegistry;
  readonly enrollments: EnrollmentLog;
  readonly audit: AuditLog;
  readonly lifecycle: CertificateLifecycle;
  readonly enrollmentRecorder: GroupCommitEnrollmentRecorder;
  readonly tokens: EnrollmentTokens;
  readonly pendingEnrollments: PendingEnrollments;
  readonly crls: CrlStore;
  readonly fleet: FleetReader;
  readonly apiTokens: ApiTokens;
  readonly certificateCatalog: CertificateCatalog;
  readonly auditHistory: AuditHistory;
  readonly enrollmentTokenCatalog: EnrollmentTokenCatalog;
  readonly endpoints: EndpointRegistry;
  readonly observations: ObservationLog;
  readonly alertRules: AlertRules;
  readonly alertStates: AlertStates;
  readonly alertDeliveries: DeliveryLog;
  readonly cmpTransactions: CmpTransactions;
  readonly acmeAccounts: AcmeAccounts;
  readonly acmeOrders: AcmeOrders;
  readonly acmeNonces: AcmeNonces;
  readonly renewalWindows: RenewalWindows;
  private closing: Promise<void> | undefined;

  private readonly writer: SqliteWriterThread | undefined;

  private constructor(
    private readonly db: Kysely<Database>,
    sqlite: BetterSqlite3.Database,
    path: string,
  ) {
    const auditChain = new SqliteAuditChain(sqlite, db);
    // A file database commits its write-heavy roles, and revocations, on a writer thread (see
    // sqlite-writer-worker.ts); an in-memory one cannot be shared with another connection, so it writes on
    // this one.
    this.writer = path === SQLITE_MEMORY ? undefined : new SqliteWriterThread(path);
    const roles = createSqlRoles(
      db,
      auditChain,
      this.writer
        ? new ThreadedRevocationRecorder(this.writer)
        : new SqliteRevocationRecorder(sqlite, db, auditChain),
    );
    this.ledger = this.writer
      ? new ThreadedCertificateLedger(this.writer)
      : new SqliteCertificateLedger(sqlite, db, auditChain);
    this.certificates = roles.certificates;
    this.issuers = roles.issuers;
    this.devices = roles.devices;
    this.enrollments = roles.enrollments;
    this.audit = roles.audit;
    this.lifecycle = roles.lifecycle;
    this.tokens = roles.tokens;
    this.pendingEnrollments = roles.pendingEnrollments;
    this.crls = roles.crls;
    this.fleet = roles.fleet;
    this.apiTokens = roles.apiTokens;
    this.certificateCatalog = roles.certificateCatalog;
    this.auditHistory = roles.auditHistory;
    this.enrollmentTokenCatalog = roles.enrollmentTokenCatalog;
    this.endpoints = roles.endpoints;
    this.observations = roles.observations;
    this.alertRules = roles.alertRules;
    this.alertStates = roles.alertStates;
    this.alertDeliveries = roles.alertDeliveries;
    this.cmpTransactions = roles.cmpTransactions;
    this.acmeAccounts = roles.acmeAccounts;
    this.acmeOrders = roles.acmeOrders;
    this.acmeNonces = roles.acmeNonces;
    this.renewalWindows = roles.renewalWindows;
    this.enrollmentRecorder = new GroupCommitEnrollmentRecorder(
      this.writer ? new ThreadedEnrollmentRecorder(this.writer) : new SqliteEnrollmentRecorder(sqlite, db),
    );
  }

  /** Opens the database at `path` (`:memory:` for a private in-memory one) and migrates it. */
  static async open(path: string): Promise<SqliteStore> {
    const sqlite = openSqliteDatabase(path);
    const db = createSqliteKysely(sqlite);
    try {
      await migrateToLatest(db, 'sqlite');
      return new SqliteStore(db, sqlite, path);
    } catch (error) {
      await db.destroy();
      throw error;
    }
  }

  /** Closes the database; call it once nothing uses the store any more. Later calls return the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.writer?.close();
      await this.db.destroy();
    })();
    return this.closing;
  }
}

export function openSqliteStore(path: string): Promise<SqliteStore> {
  return SqliteStore.open(path);
}
