import { PkiError } from '../core/pki-error.js';

/** Where a PostgreSQL store lives: the connection string for pg, and the schema holding the tables, if any. */
export interface PostgresLocation {
  /** The URL given, without the `schema` parameter (pg would not understand it). */
  readonly connectionString: string;
  readonly schema: string | undefined;
  /** `host:port/database`, for messages: never the user or password. */
  readonly display: string;
}

/** Lower-case SQL identifiers only, so the name needs no case folding rules and is safe to interpolate quoted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parses `postgres://` and `postgresql://` URLs (libpq's form, as pg reads them). The extra `schema`
 * parameter puts the tables in that schema (created if missing, set as the search_path of every
 * connection); tests use it to isolate one suite from another in one database.
 */
export function parsePostgresUrl(url: string): PostgresLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new PkiError('CONFIG_INVALID', 'the PostgreSQL store URL is not a valid URL', { cause: error });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PkiError('CONFIG_INVALID', 'a PostgreSQL store URL starts with postgres:// or postgresql://');
  }
  const schemas = parsed.searchParams.getAll('schema');
  if (schemas.length > 1) throw new PkiError('CONFIG_INVALID', 'the store URL names more than one schema');
  const schema = schemas[0];
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new PkiError(
      'CONFIG_INVALID',
      `schema '${schema.slice(0, 63)}' in the store URL must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)`,
    );
  }
  parsed.searchParams.delete('schema');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    connectionString: parsed.toString(),
    schema,
    display: `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`,
  };
}
