import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Runs a synchronous better-sqlite3 transaction while holding Kysely's single SQLite connection, so it never
 * interleaves with a Kysely query of this process.
 *
 * Why synchronous: a transaction that awaits between statements holds SQLite's write lock while other work
 * runs on the event loop. If that work opens a second connection to the same file in this process (a second
 * store, a test), its BEGIN IMMEDIATE blocks the thread in SQLite's busy handler, and the first transaction
 * cannot finish until busy_timeout fails the second. A transaction that never yields holds the lock only
 * while it runs.
 */
export function runExclusive<T>(db: Kysely<Database>, transaction: () => T): Promise<T> {
  return db.connection().execute(() => new Promise<T>((resolve) => resolve(transaction())));
}
