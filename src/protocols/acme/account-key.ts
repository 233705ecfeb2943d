import { createPublicKey, type KeyObject } from 'node:crypto';
import { PkiError } from '../../core/pki-error.js';
import type { AcmeAccountRecord } from '../../store/acme-state.js';

const cache = new WeakMap<AcmeAccountRecord, KeyObject>();

/** The account's public key from its stored JWK (kept per record object: a request imports it once). */
export function accountPublicKey(account: AcmeAccountRecord): KeyObject {
  const cached = cache.get(account);
  if (cached) return cached;
  try {
    const key = createPublicKey({ key: JSON.parse(account.jwk) as Record<string, string>, format: 'jwk' });
    cache.set(account, key);
    return key;
  } catch (error) {
    throw new PkiError('INTERNAL', `the stored key of account ${account.id} does not import`, {
      cause: error,
    });
  }
}
