import { randomBytes } from 'node:crypto';

/** An unguessable resource id (128 bits, base64url): URLs of orders and authorizations reveal nothing. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}
