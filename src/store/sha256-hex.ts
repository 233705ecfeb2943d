import { PkiError } from '../core/pki-error.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Refuses anything but lower-case hex SHA-256. The hashes are compared as text, so an upper-case one would
 * never match: better a loud MALFORMED_INPUT than a token that silently cannot be found.
 */
export function checkSha256Hex(value: string, what: string): string {
  if (!SHA256_HEX.test(value))
    throw new PkiError('MALFORMED_INPUT', `${what} is not a lower-case hex SHA-256`);
  return value;
}
