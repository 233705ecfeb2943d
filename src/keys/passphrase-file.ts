import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { formatKeyUri } from './key-uri.js';
import { writePrivateFile } from './private-file.js';

/** 256 bits: as strong as the AES-256 key PBKDF2 derives from it. */
const PASSPHRASE_BYTES = 32;

/**
 * Writes a new random passphrase (32 random bytes, base64url, then a newline) to `path` with mode 0600,
 * atomically, creating missing folders with mode 0700; refuses (CONFLICT) if the file exists. Used when the
 * development PKI is created on first run. Returns the secret reference (`file:/abs/path`) to put in a key
 * URI's `passphrase-source`, never the passphrase. A relative `path` resolves against the working directory.
 */
export async function createPassphraseFile(path: string): Promise<string> {
  const absolute = resolve(path);
  const reference = formatKeyUri({ scheme: 'file', path: absolute, params: new Map() });
  const passphrase = randomBytes(PASSPHRASE_BYTES).toString('base64url');
  await writePrivateFile(absolute, `${passphrase}\n`, `passphrase file ${reference}`);
  return reference;
}
