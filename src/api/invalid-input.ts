import { PkiError } from '../core/pki-error.js';

/** Where in the request a value was read from, as problem details name it. */
export type RequestPart = 'body' | 'query' | 'path' | 'header';

/**
 * MALFORMED_INPUT naming the bad field: `pointer` is a JSON pointer (RFC 6901) into the part, e.g. `/reason`
 * in the body or `/limit` in the query string.
 */
export function invalidInput(part: RequestPart, pointer: string, message: string): PkiError {
  const where = part === 'query' ? 'query parameter' : part === 'path' ? 'path parameter' : part;
  const field = pointer === '' ? '' : ` ${pointer.slice(1)}`;
  return new PkiError('MALFORMED_INPUT', `${where}${field}: ${message}`, { details: { in: part, pointer } });
}

/** A JSON pointer from reference tokens, escaped as RFC 6901 §3 says (`~` → `~0`, `/` → `~1`). */
export function jsonPointer(...tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
