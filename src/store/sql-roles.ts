import type { Kysely } from 'kysely';
import type { AuditAppender } from './audit-appender.js';
import type { Database } from './schema.js';
import { SqlAuditLog } from './sql-audit-log.js';
import { SqlCertificateReader } from './sql-certificate-reader.js';
import { SqlDeviceRegistry } from './sql-device-registry.js';
import { SqlEnrollmentLog } from './sql-enrollment-log.js';
import { SqlIssuerRegistry } from './sql-issuer-registry.js';
import type { Store } from './store.js';

/** The roles both engines share through Kysely; each store adds its own ledger and audit appender. */
export type SqlRoles = Pick<Store, 'certificates' | 'issuers' | 'devices' | 'enrollments' | 'audit'>;

export function createSqlRoles(db: Kysely<Database>, auditAppender: AuditAppender): SqlRoles {
  return {
    certificates: new SqlCertificateReader(db),
    issuers: new SqlIssuerRegistry(db),
    devices: new SqlDeviceRegistry(db),
    enrollments: new SqlEnrollmentLog(db),
    audit: new SqlAuditLog(db, auditAppender),
  };
}
