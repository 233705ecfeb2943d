import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { createIndex } from './create-index.js';

/**
 * CMP transactions (CmpTransactions, RFC 9810 §5.1.1 transactionID): what a certConf or pollReq needs to continue
 * a transaction on whichever node it reaches. The primary key is what refuses a reused transactionID, closed
 * transactions' included until they are purged.
 */
export function cmpTransactionsMigration(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('cmp_transactions')
        .addColumn('transaction_id', types.keyText, (c) => c.primaryKey())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        // Compared, with state, by every transition (compare-and-set); never indexed, the key finds the row.
        .addColumn('server_nonce', types.bytes, (c) => c.notNull())
        .addColumn('request_type', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('cert_req_id', types.int64, (c) => c.notNull())
        .addColumn('certificate_issuer_id', 'text')
        .addColumn('certificate_serial', 'text')
        // A held request (waiting-approval), null when none; its chain as concatenated DER, leaf first, null when
        // empty (MAC protection).
        .addColumn('held_request_der', types.bytes)
        .addColumn('held_credential_chain', types.bytes)
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('updated_at', types.int64, (c) => c.notNull())
        .addColumn('expires_at', types.int64, (c) => c.notNull())
        .execute();
      // listExpiredOpen (open states, expires_at up to now, oldest first) and purgeClosed (closed, expired).
      await createIndex(db, 'cmp_transactions', ['state', 'expires_at']);
    },
  };
}
