import { openPostgresStore } from './postgres-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';
import { parseStoreUrl } from './store-url.js';

/**
 * Opens the store a URL names and brings its schema up to date: `sqlite:<path>`, `sqlite::memory:`,
 * `postgres://…` or `postgresql://…` (optionally `?schema=<name>`). A malformed URL is CONFIG_INVALID; a
 * database that cannot be reached is UNAVAILABLE.
 */
export async function openStore(url: string): Promise<Store> {
  const location = parseStoreUrl(url);
  switch (location.engine) {
    case 'sqlite':
      return openSqliteStore(location.path);
    case 'postgres':
      return openPostgresStore(location.url);
  }
}
