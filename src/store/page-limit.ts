import { PkiError } from '../core/pki-error.js';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 10_000;

/** The number of rows a list query returns: the default when unset, capped at MAX_PAGE_LIMIT. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new PkiError('MALFORMED_INPUT', 'limit must be a positive integer');
  }
  return Math.min(limit, MAX_PAGE_LIMIT);
}

export function pageOffset(offset: number | undefined): number {
  if (offset === undefined) return 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new PkiError('MALFORMED_INPUT', 'offset must be a non-negative integer');
  }
  return offset;
}
