import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** The first schema: issuers, certificates, devices, enrollment events and the audit chain. */
export function initialMigration(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('issuers')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('parent_id', types.keyText, (c) => c.references('issuers.id'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('certificate_der', types.bytes, (c) => c.notNull())
        .addColumn('key_uri', 'text')
        .addColumn('key_algorithm', 'text', (c) => c.notNull())
        .addColumn('not_before', types.int64, (c) => c.notNull())
        .addColumn('not_after', types.int64, (c) => c.notNull())
        .addColumn('subject_key_id_hex', 'text', (c) => c.notNull())
        .addColumn('fingerprint_sha256', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('certificates')
        .addColumn('issuer_id', types.keyText, (c) => c.notNull().references('issuers.id'))
        .addColumn('serial', types.keyText, (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('sans', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text')
        .addColumn('not_before', types.int64, (c) => c.notNull())
        .addColumn('not_after', types.int64, (c) => c.notNull())
        .addColumn('key_algorithm', 'text', (c) => c.notNull())
        .addColumn('spki_sha256', 'text', (c) => c.notNull())
        .addColumn('requested_via', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('der', types.bytes)
        .addColumn('fingerprint_sha256', 'text')
        .addColumn('prepared_at', types.int64, (c) => c.notNull())
        .addColumn('issued_at', types.int64)
        .addColumn('revoked_at', types.int64)
        .addColumn('revocation_reason', 'text')
        .addColumn('invalidity_date', types.int64)
        .addColumn('superseded_by', 'text')
        // RFC 5280 §4.1.2.2: the serial is unique per issuer. The database enforces it, so two CA nodes can
        // never record the same (issuer, serial). Serial first: the key then also serves findBySerial (a
        // serial without its issuer), which saves a separate index on serial. Serials are random, so every
        // index on them takes a write to a random page per insert; one fewer is the issuance hot path's gain.
        .addPrimaryKeyConstraint('certificates_pk', ['serial', 'issuer_id'])
        .execute();
      // Each index costs every issuance a B-tree insert (bench/issue), so only these: expiry scans (status is
      // filtered on the way), and a device's certificates with their keys (renewal refuses a reused key).
      await createIndex(db, 'certificates', ['not_after']);
      await createIndex(db, 'certificates', ['device_id', 'spki_sha256']);

      await db.schema
        .createTable('devices')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        .addColumn('product_line', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('idevid_serial', 'text')
        .addColumn('idevid_issuer_id', 'text')
        .addColumn('ldevid_serial', 'text')
        .addColumn('ldevid_issuer_id', 'text')
        .addColumn('ldevid_not_after', types.int64)
        .addColumn('last_success_at', types.int64)
        .addColumn('last_failure_at', types.int64)
        .addColumn('last_failure_reason', 'text')
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('updated_at', types.int64, (c) => c.notNull())
        .execute();
      await createIndex(db, 'devices', ['state']);
      await createIndex(db, 'devices', ['product_line']);

      await db.schema
        .createTable('enrollment_events')
        .addColumn('id', types.identity, (c) => types.identityColumn(c))
        .addColumn('at', types.int64, (c) => c.notNull())
        .addColumn('device_id', 'text')
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('profile', 'text')
        .addColumn('issuer_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('reason_code', 'text')
        .addColumn('reason', 'text')
        .addColumn('requester', 'text', (c) => c.notNull())
        .addColumn('certificate_serial', 'text')
        .execute();
      await createIndex(db, 'enrollment_events', ['device_id', 'at']);
      await createIndex(db, 'enrollment_events', ['at']);

      await db.schema
        .createTable('audit_events')
        .addColumn('seq', types.int64, (c) => c.primaryKey())
        .addColumn('at', types.int64, (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await createIndex(db, 'audit_events', ['event']);
    },
  };
}

/** Index names follow `<table>_<columns>_idx`, unique per schema in both engines. */
async function createIndex(db: Kysely<unknown>, table: string, columns: readonly string[]): Promise<void> {
  await db.schema
    .createIndex(`${table}_${columns.join('_')}_idx`)
    .on(table)
    .columns([...columns])
    .execute();
}
