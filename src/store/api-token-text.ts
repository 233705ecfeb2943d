import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The text of an API token: `cft_<id>_<secret>`, the id 16 hex digits (8 random bytes) that finds the row, the
 * secret 32 random bytes in base64url (43 characters, which may themselves contain `_` or `-`). The prefix lets
 * secret scanners (and people) recognise a leaked token.
 */
const TOKEN = /^cft_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ApiTokenParts {
  readonly id: string;
  readonly secret: string;
}

export function newApiTokenParts(): ApiTokenParts {
  return { id: randomBytes(8).toString('hex'), secret: randomBytes(32).toString('base64url') };
}

export function formatApiToken(parts: ApiTokenParts): string {
  return `cft_${parts.id}_${parts.secret}`;
}

/** The id and secret of a well-formed token; undefined for anything else. */
export function parseApiToken(text: string): ApiTokenParts | undefined {
  const match = TOKEN.exec(text);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { id: match[1], secret: match[2] };
}

/**
 * SHA-256 of the secret, lower-case hex. A fast hash is enough: the secret is 256 random bits, so there is no
 * dictionary to try and a brute force of the hash is as hopeless as one of the secret itself. Slow password
 * hashes (scrypt, Argon2) protect low-entropy human passwords and would only cost every API request time.
 */
export function apiTokenSecretSha256(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Compares a secret with a stored hash in constant time, so the time taken says nothing of how much matched. */
export function secretMatches(secret: string, storedSha256Hex: string): boolean {
  const expected = Buffer.from(storedSha256Hex, 'hex');
  const actual = Buffer.from(apiTokenSecretSha256(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
