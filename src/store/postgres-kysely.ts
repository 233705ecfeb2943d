import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { ErrorMappingDialect } from './error-mapping-dialect.js';
import type { Database } from './schema.js';
import { mapStoreError } from './store-errors.js';

/**
 * Kysely over a pg pool. With a `schema`, every new connection sets its search_path to it, so the role
 * implementations name tables unqualified on both engines.
 */
export function createPostgresKysely(pool: pg.Pool, schema: string | undefined): Kysely<Database> {
  const dialect = new PostgresDialect({
    pool,
    ...(schema === undefined
      ? {}
      : {
          onCreateConnection: async (connection) => {
            // The name was checked against [a-z_][a-z0-9_]* by parsePostgresUrl; quoting keeps it literal.
            await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
          },
        }),
  });
  return new Kysely<Database>({ dialect: new ErrorMappingDialect(dialect, mapStoreError) });
}
