import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { PkiError, isPkiError } from '../core/pki-error.js';
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
import { PostgresAuditAppender } from './postgres-audit-appender.js';
import { PostgresCertificateLedger } from './postgres-certificate-ledger.js';
import { PostgresRevocationRecorder } from './postgres-revocation-recorder.js';
import { createPostgresKysely } from './postgres-kysely.js';
import { createPostgresPool } from './postgres-pool.js';
import { parsePostgresUrl } from './postgres-url.js';
import type { PostgresLocation } from './postgres-url.js';
import type { Database } from './schema.js';
import { createSqlRoles } from './sql-roles.js';
import { PostgresEnrollmentRecorder } from './postgres-enrollment-recorder.js';
import type { Store } from './store.js';
import { isUniqueViolation } from './store-errors.js';

/** The store for several server nodes: one PostgreSQL database (or one schema of it) shared by all. */
export class PostgresStore implements Store {
  readonly engine = 'postgres';
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

  private constructor(private readonly db: Kysely<Database>) {
    const roles = createSqlRoles(db, new PostgresAuditAppender(db), new PostgresRevocationRecorder(db));
    this.ledger = new PostgresCertificateLedger(db);
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
    this.enrollmentRecorder = new GroupCommitEnrollmentRecorder(new PostgresEnrollmentRecorder(db));
  }

  /** Connects, creates the URL's schema if missing and migrates. */
  static async open(url: string): Promise<PostgresStore> {
    const location = parsePostgresUrl(url);
    const db = createPostgresKysely(createPostgresPool(location.connectionString), location.schema);
    try {
      const schema = location.schema ?? (await currentSchema(db));
      if (location.schema !== undefined) await createSchema(db, location.schema);
      await migrateToLatest(db, 'postgres', schema);
      return new PostgresStore(db);
    } catch (error) {
      await db.destroy();
      throw openError(error, location);
    }
  }

  /** Waits for the pool's clients to be returned, then disconnects; later calls return the same promise. */
  close(): Promise<void> {
    this.closing ??= this.db.destroy();
    return this.closing;
  }
}

export function openPostgresStore(url: string): Promise<PostgresStore> {
  return PostgresStore.open(url);
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? 'public';
}

/** Creates the schema if missing; an existing one needs no CREATE privilege on the database. */
async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  const { rows } = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(db);
  if (rows.length > 0) return;
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two nodes creating it at once: IF NOT EXISTS can still lose the race on the catalog's unique index.
    if (!isUniqueViolation(error) && (error as { code?: unknown }).code !== '42P06') throw error;
  }
}

/** A failed open says where (without credentials) and, for a refusal, why. */
function openError(error: unknown, location: PostgresLocation): unknown {
  if (isPkiError(error, 'UNAVAILABLE')) {
    return new PkiError('UNAVAILABLE', `cannot reach PostgreSQL at ${location.display}`, { cause: error });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('28') || code === '3D000')) {
    const why = code === '3D000' ? 'the database does not exist' : 'authentication failed';
    return new PkiError(
      'CONFIG_INVALID',
      `PostgreSQL at ${location.display} refused the connection: ${why}`,
      {
        cause: error,
      },
    );
  }
  return error;
}
