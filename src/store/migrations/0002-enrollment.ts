import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { createIndex } from './create-index.js';

/**
 * One-time enrollment tokens and the manual-approval queue. Both are looked up by a hash the client's request
 * yields (the token's secret, the repeated request), and the database's unique constraints on those hashes are
 * what make "exactly one" hold across nodes.
 */
export function enrollmentMigration(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('enrollment_tokens')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        // Only the SHA-256 of the secret: a copy of the database does not let anyone enroll.
        .addColumn('secret_sha256', 'text', (c) => c.notNull().unique())
        .addColumn('device_id', types.keyText, (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('expires_at', types.int64, (c) => c.notNull())
        .addColumn('used_at', types.int64)
        .addColumn('voided_at', types.int64)
        .execute();
      await createIndex(db, 'enrollment_tokens', ['device_id']);

      await db.schema
        .createTable('pending_enrollments')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        .addColumn('label', types.keyText, (c) => c.notNull())
        .addColumn('request_sha256', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text')
        .addColumn('requester', 'text', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('csr_der', types.bytes, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('decided_at', types.int64)
        .addColumn('decided_by', 'text')
        .addColumn('reason', 'text')
        .addColumn('certificate_issuer_id', 'text')
        .addColumn('certificate_serial', 'text')
        // RFC 7030 §4.2.3: a client repeats its request until it is answered; the repeats are one request.
        .addUniqueConstraint('pending_enrollments_label_request_sha256_key', ['label', 'request_sha256'])
        .execute();
      await createIndex(db, 'pending_enrollments', ['status', 'created_at']);
    },
  };
}
