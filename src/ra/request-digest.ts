import { hash } from 'node:crypto';

/** SHA-256 (hex) of a request as the client sent it: a repeated request has the same digest. */
export function requestDigest(der: Uint8Array): string {
  return hash('sha256', der, 'hex');
}
