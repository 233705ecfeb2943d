import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL the tests use: 127.0.0.1:5432, database `test`, trust authentication, user $PGUSER or
 * `postgres` (PGHOST, PGPORT and PGDATABASE override the rest). CI provides it; a test that cannot reach it
 * fails rather than skips.
 */
export interface PostgresTestServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

export function postgresTestServer(): PostgresTestServer {
  return {
    host: process.env['PGHOST'] ?? '127.0.0.1',
    port: Number(process.env['PGPORT'] ?? 5432),
    user: process.env['PGUSER'] ?? 'postgres',
    database: process.env['PGDATABASE'] ?? 'test',
  };
}

/** A store URL for the test server, optionally isolated in `schema`. */
export function postgresTestUrl(schema?: string, server: PostgresTestServer = postgresTestServer()): string {
  const url = new URL(`postgres://${server.host}:${server.port}/${server.database}`);
  url.username = server.user;
  if (schema !== undefined) url.searchParams.set('schema', schema);
  return url.toString();
}

/** A fresh schema name per suite, so suites running in parallel never see each other's rows. */
export function randomSchemaName(prefix = 'cf_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Runs `work` with a plain pg client on the test server (search_path set to `schema` if given). */
export async function withPostgresClient<T>(
  work: (client: pg.Client) => Promise<T>,
  schema?: string,
): Promise<T> {
  const server = postgresTestServer();
  const client = new pg.Client({ ...server, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    if (schema !== undefined) await client.query(`set search_path to "${schema}"`);
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withPostgresClient(async (client) => {
    await client.query(`drop schema if exists "${schema}" cascade`);
  });
}
