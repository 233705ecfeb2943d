import { sql } from 'kysely';
import type { Kysely, Migration, SqlBool } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { createIndex } from './create-index.js';

/**
 * The orders whose `replaces` counts (RFC 9773 §5: those not invalid). A copy, not an import, in the queries
 * (sql-acme-orders.ts): a shipped migration never changes with the code.
 */
const LIVE_REPLACEMENT = "replaces is not null and status <> 'invalid'";

/**
 * The ACME server's state (acme-state.ts), shared by every node.
 *
 * - `acme_external_account_keys` before `acme_accounts`, which names the key it registered with; the key's
 *   `bound_account_id` carries no foreign key back, as the two would reference each other.
 * - `acme_orders`: identifiers and authorization ids as JSON text (read with the order, in the order given).
 *   Which orders hold an authorization is asked when a validation completes, so that relation is also kept
 *   in `acme_order_authorizations`, keyed by authorization.
 * - RFC 9773 §5 alreadyReplaced is a partial unique index on `replaces` over the orders that are not
 *   `invalid`: of two concurrent orders naming the same certID, on any node, the database keeps one, and an
 *   order that turns invalid leaves the index, freeing the certID.
 * - `acme_nonces`: only consumed nonces; the primary key is what refuses a replay.
 * - `renewal_windows`: one per certificate, keyed like `certificates`; no foreign key, so a window can be set
 *   for a certificate this store has not recorded (one issued before the store, or by another node's ledger).
 */
export function acmeMigration(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('acme_external_account_keys')
        .addColumn('key_id', types.keyText, (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('bound_account_id', types.keyText)
        .addColumn('bound_at', types.int64)
        // What the account it binds may obtain (AcmeIdentifierScope as JSON), within acme.policy; null for no scope.
        .addColumn('identifier_scope', 'text')
        .addColumn('revoked_at', types.int64)
        .execute();

      await db.schema
        .createTable('acme_accounts')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        .addColumn('key_thumbprint', types.keyText, (c) => c.notNull().unique())
        .addColumn('jwk', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        // JSON array of URIs.
        .addColumn('contact', 'text', (c) => c.notNull())
        // 0 or 1, as alert_rules.enabled.
        .addColumn('terms_of_service_agreed', 'integer', (c) => c.notNull())
        .addColumn('external_account_key_id', types.keyText, (c) =>
          c.references('acme_external_account_keys.key_id'),
        )
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('updated_at', types.int64, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('acme_orders')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        .addColumn('account_id', types.keyText, (c) => c.notNull().references('acme_accounts.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('identifiers', 'text', (c) => c.notNull())
        .addColumn('authorization_ids', 'text', (c) => c.notNull())
        .addColumn('not_before', types.int64)
        .addColumn('not_after', types.int64)
        .addColumn('expires_at', types.int64, (c) => c.notNull())
        .addColumn('profile', 'text')
        .addColumn('replaces', types.keyText)
        .addColumn('error', 'text')
        .addColumn('certificate_issuer_id', types.keyText)
        .addColumn('certificate_serial', types.keyText)
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('updated_at', types.int64, (c) => c.notNull())
        .execute();
      // listByAccount: newest first. Ids are random, so creation order is (created_at, id), not id alone.
      await createIndex(db, 'acme_orders', ['account_id', 'created_at', 'id']);
      await createIndex(db, 'acme_orders', ['certificate_issuer_id', 'certificate_serial']);
      // expire: one range per status (the pending and ready ones to invalidate, every status to purge).
      await createIndex(db, 'acme_orders', ['status', 'expires_at']);
      // The lookups by replaces repeat this predicate word for word, so both engines can use the index.
      await db.schema
        .createIndex('acme_orders_replaces_idx')
        .on('acme_orders')
        .column('replaces')
        .unique()
        .where(sql.raw<SqlBool>(LIVE_REPLACEMENT))
        .execute();

      await db.schema
        .createTable('acme_authorizations')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        .addColumn('account_id', types.keyText, (c) => c.notNull().references('acme_accounts.id'))
        .addColumn('identifier_type', 'text', (c) => c.notNull())
        .addColumn('identifier_value', 'text', (c) => c.notNull())
        .addColumn('wildcard', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('expires_at', types.int64, (c) => c.notNull())
        // JSON text the validator wrote (device-attest-01: the attested key and device id).
        .addColumn('evidence', 'text')
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('updated_at', types.int64, (c) => c.notNull())
        .execute();
      await createIndex(db, 'acme_authorizations', ['status', 'expires_at']);

      await db.schema
        .createTable('acme_challenges')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        .addColumn('authorization_id', types.keyText, (c) =>
          c.notNull().references('acme_authorizations.id').onDelete('cascade'),
        )
        // Creation order within the authorization.
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('validated_at', types.int64)
        .addColumn('error', 'text')
        .execute();
      await createIndex(db, 'acme_challenges', ['authorization_id', 'position']);

      await db.schema
        .createTable('acme_order_authorizations')
        .addColumn('authorization_id', types.keyText, (c) =>
          c.notNull().references('acme_authorizations.id').onDelete('cascade'),
        )
        .addColumn('order_id', types.keyText, (c) =>
          c.notNull().references('acme_orders.id').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('acme_order_authorizations_pkey', ['authorization_id', 'order_id'])
        .execute();
      // An order's authorizations (is every one valid?), and the cascade when an order is purged.
      await createIndex(db, 'acme_order_authorizations', ['order_id']);

      await db.schema
        .createTable('acme_nonces')
        .addColumn('nonce', types.keyText, (c) => c.primaryKey())
        .addColumn('expires_at', types.int64, (c) => c.notNull())
        .execute();
      await createIndex(db, 'acme_nonces', ['expires_at']);

      await db.schema
        .createTable('renewal_windows')
        .addColumn('issuer_id', types.keyText, (c) => c.notNull())
        .addColumn('serial', types.keyText, (c) => c.notNull())
        .addColumn('start_at', types.int64, (c) => c.notNull())
        .addColumn('end_at', types.int64, (c) => c.notNull())
        .addColumn('explanation_url', 'text')
        .addColumn('set_at', types.int64, (c) => c.notNull())
        .addColumn('set_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('renewal_windows_pkey', ['issuer_id', 'serial'])
        .execute();
    },
  };
}
