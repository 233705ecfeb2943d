import type { PrivateKey } from '../pki/algorithms/key-algorithm.js';
import type { KeyStore, Signer } from './signer.js';

/**
 * Optional KeyStore capability: take an existing in-memory key into custody (`certfleet ca import`). A file
 * store can; a PKCS#11 token may refuse keys generated outside it, so this is not part of KeyStore.
 */
export interface KeyImporter {
  /** Writes `key` at `uri` under the same rules as `generate`; refuses (CONFLICT) if a key exists there. */
  importKey(uri: string, key: PrivateKey): Promise<Signer>;
}

export function canImportKeys<T extends KeyStore>(store: T): store is T & KeyImporter {
  return typeof (store as Partial<KeyImporter>).importKey === 'function';
}
