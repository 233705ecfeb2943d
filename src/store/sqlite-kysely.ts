import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ErrorMappingDialect } from './error-mapping-dialect.js';
import type { Database } from './schema.js';
import { cachingStatements } from './sqlite-statement-cache.js';
import { mapStoreError } from './store-errors.js';

/**
 * Kysely over one better-sqlite3 connection. Its driver hands the connection to one user at a time, which
 * the ledger and the audit chain rely on (sqlite-exclusive.ts). Their writes are synchronous transactions;
 * the other roles write single statements, each atomic on its own. Each SQL text is prepared once (not in
 * the writer thread, whose hot paths have their own prepared statements).
 */
export function createSqliteKysely(
  sqlite: BetterSqlite3.Database,
  options: { readonly cacheStatements?: boolean } = {},
): Kysely<Database> {
  const database = options.cacheStatements === false ? sqlite : cachingStatements(sqlite);
  return new Kysely<Database>({
    dialect: new ErrorMappingDialect(new SqliteDialect({ database }), mapStoreError),
  });
}
