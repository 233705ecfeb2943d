import { createPublicKey, type KeyObject } from 'node:crypto';
import { PkiError } from '../../core/pki-error.js';
import type { AcmeAccountRecord } from '../../store/acme-state.js';

/** Keys of the accounts seen lately; a busy server sees the same few accounts again and again. */
const MAX_CACHED = 10_000;
const cache = new Map<string, KeyObject>();

/**
 * The account's public key from its stored JWK. Importing costs about as much as verifying the signature (measured
 * with bench/acme), and every request of an account carries the same key, so imported keys are kept, by their JWK
 * text (a rolled-over key is another entry), least recently used first out.
 */
export function accountPublicKey(account: AcmeAccountRecord): KeyObject {
  const cached = cache.get(account.jwk);
  if (cached) {
    cache.delete(account.jwk);
    cache.set(account.jwk, cached);
    return cached;
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: JSON.parse(account.jwk) as Record<string, string>, format: 'jwk' });
  } catch (error) {
    throw new PkiError('INTERNAL', `the stored key of account ${account.id} does not import`, {
      cause: error,
    });
  }
  cache.set(account.jwk, key);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return key;
}
