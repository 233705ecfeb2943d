import { DEFAULT_PAGE_SIZE } from './api-schemas.js';
import type { PageCursor } from './page-cursor.js';

/** Every list of the admin API: one page of items, and the cursor of the next (null on the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

/**
 * A page from rows fetched with `limit + 1`: the extra row only says that there is a next page (so the last
 * page says so itself, rather than a client fetching an empty one), and the cursor is the key of the last row
 * returned.
 */
export function pageOf<Row, Key, Item>(
  rows: readonly Row[],
  limit: number,
  cursor: PageCursor<Key>,
  keyOf: (row: Row) => Key,
  view: (row: Row) => Item,
): Page<Item> {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    items: shown.map(view),
    next: rows.length > limit && last !== undefined ? cursor.encode(keyOf(last)) : null,
  };
}

/** The page size a request asked for (`?limit=`), or the default. */
export function pageSize(limit: number | undefined): number {
  return limit ?? DEFAULT_PAGE_SIZE;
}
