import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from './column-types.js';
import { createIndex } from './create-index.js';

/**
 * Operator API tokens for the admin API (ApiTokens), and an index for paging through enrollment tokens newest
 * first (EnrollmentTokenCatalog), which the API lists without a device filter.
 */
export function apiTokensMigration(types: ColumnTypes): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', types.keyText, (c) => c.primaryKey())
        // Unique for ever, revoked tokens included: the audit trail names the actor by it, so a name names one
        // token.
        .addColumn('name', types.keyText, (c) => c.notNull().unique())
        .addColumn('scope', 'text', (c) => c.notNull())
        // Only the SHA-256 of the secret: a copy of the database does not let anyone call the API.
        .addColumn('secret_sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', types.int64, (c) => c.notNull())
        .addColumn('expires_at', types.int64)
        .addColumn('last_used_at', types.int64)
        .addColumn('revoked_at', types.int64)
        .execute();
      // A deployment has a handful of API tokens: listing them sorts the table, no index needed.

      await createIndex(db, 'enrollment_tokens', ['created_at', 'id']);
    },
  };
}
