import pg from 'pg';
import type { CustomTypesConfig } from 'pg';

/**
 * int8 (BIGINT: epoch milliseconds, sequence numbers, count(*)) as a JavaScript number instead of pg's default
 * string. Every value the store keeps in a BIGINT is far below 2^53 (epoch ms reach it in the year 287 396).
 * Set on our pool only, so another pg user in the same process keeps pg's defaults.
 */
const INT8_OID: number = pg.types.builtins.INT8;
const defaultParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown;

const storeTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID && format !== 'binary'
      ? (text: string) => Number(text)
      : defaultParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

/** Without a bound, connecting to a host that drops packets waits for the kernel's TCP timeout (minutes). */
const CONNECT_TIMEOUT_MS = 10_000;

export function createPostgresPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    types: storeTypes,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An idle client that loses its connection emits 'error' on the pool; unhandled, that would end the
  // process. The pool has already discarded the client, and the next query reports UNAVAILABLE if the
  // database is still gone, so there is nothing more to do here.
  pool.on('error', () => undefined);
  return pool;
}
