import { PkiError } from '../core/pki-error.js';
import { SQLITE_MEMORY } from './sqlite-database.js';

export type StoreLocation =
  | { readonly engine: 'sqlite'; readonly path: string }
  | { readonly engine: 'postgres'; readonly url: string };

/**
 * Chooses the engine from a store URL:
 * - `sqlite:<path>`: a file, relative to the working directory (`sqlite:./data/certfleet.db`) or absolute
 *   (`sqlite:/var/lib/certfleet/certfleet.db`, also written `sqlite:///var/lib/…`); `sqlite::memory:` for a
 *   private in-memory database. The path is taken literally, not percent-decoded.
 * - `postgres://…` or `postgresql://…`: see parsePostgresUrl.
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (url.startsWith('sqlite:')) return { engine: 'sqlite', path: sqlitePath(url.slice('sqlite:'.length)) };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { engine: 'postgres', url };
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
  throw new PkiError(
    'CONFIG_INVALID',
    `${scheme === undefined ? 'the store URL has no scheme' : `store URL scheme '${scheme}' is not supported`}; ` +
      'use sqlite:<path>, sqlite::memory: or postgres://host:port/database',
  );
}

function sqlitePath(rest: string): string {
  if (rest === SQLITE_MEMORY) return rest;
  let path = rest;
  if (rest.startsWith('//')) {
    // The URL form sqlite:///abs/path has an empty authority; a host (sqlite://host/…) means nothing here.
    if (!rest.startsWith('///')) {
      throw new PkiError(
        'CONFIG_INVALID',
        'a SQLite store URL is sqlite:<path> or sqlite:///<absolute path>',
      );
    }
    path = rest.slice(2);
  }
  if (path === '' || path.endsWith('/')) {
    throw new PkiError('CONFIG_INVALID', 'the SQLite store URL names no database file (sqlite:<path>)');
  }
  if (path.includes('\0')) throw new PkiError('CONFIG_INVALID', 'the SQLite store path contains a NUL byte');
  return path;
}
