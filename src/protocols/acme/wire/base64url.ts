import { AcmeProblem } from './acme-problem.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * RFC 8555 §6.1 and RFC 7515 §2: decodes base64url strictly, as ACME requires: the URL-safe alphabet only, no
 * `=` padding, no whitespace, and the canonical encoding only (no length ≡ 1 mod 4, no stray bits in the last
 * character), so a value has exactly one encoding and a signature covers exactly what the server parses.
 */
export function decodeBase64url(text: string, what: string): Uint8Array {
  if (!BASE64URL.test(text)) {
    throw new AcmeProblem('malformed', `${what} is not unpadded base64url`);
  }
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw new AcmeProblem('malformed', `${what} is not canonical base64url`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
