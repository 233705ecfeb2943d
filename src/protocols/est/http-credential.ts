import { PkiError } from '../../core/pki-error.js';

/**
 * An enrollment token sent with HTTP authentication over TLS (RFC 7030 §3.2.3): `Basic` with the token as the
 * password (the user name is ignored, devices often send their id), or `Bearer <token>`. Undefined when the
 * request carries no Authorization header.
 */
export function tokenFromAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer' && value.length > 0) return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    if (password.length > 0) return password;
  }
  throw new PkiError(
    'UNAUTHORIZED',
    'the Authorization header holds no enrollment token (use Basic with the token as password, or Bearer)',
  );
}
