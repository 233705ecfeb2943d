import { randomBytes } from 'node:crypto';
import { isPkiError, PkiError } from '../core/pki-error.js';
import { readPrivateFile, writePrivateFile } from './private-file.js';

/** 256 bits: an HMAC-SHA256 key. */
export const SECRET_KEY_BYTES = 32;

/**
 * A symmetric key in a file of its own (mode 0600, refused if others can read it), made on first use. The CLI and
 * the server may both make it at once: the file is never replaced, so the loser of the race reads the winner's.
 */
export async function loadOrCreateSecretKey(path: string, what: string): Promise<Uint8Array> {
  const policy = {
    what,
    missing: 'NOT_FOUND',
    exposed: 'CONFIG_INVALID',
    invalid: 'CONFIG_INVALID',
    maxBytes: SECRET_KEY_BYTES,
  } as const;
  try {
    return checked(await readPrivateFile(path, policy), what);
  } catch (error) {
    if (!isPkiError(error, 'NOT_FOUND')) throw error;
  }
  try {
    await writePrivateFile(path, randomBytes(SECRET_KEY_BYTES), what);
  } catch (error) {
    if (!isPkiError(error, 'CONFLICT')) throw error;
  }
  return checked(await readPrivateFile(path, policy), what);
}

function checked(key: Buffer, what: string): Uint8Array {
  if (key.length !== SECRET_KEY_BYTES)
    throw new PkiError('CONFIG_INVALID', `${what}: expected ${SECRET_KEY_BYTES} bytes, found ${key.length}`);
  return new Uint8Array(key);
}
