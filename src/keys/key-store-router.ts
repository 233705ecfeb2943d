import { PkiError } from '../core/pki-error.js';
import type { KeyAlgorithmName, PrivateKey } from '../pki/algorithms/key-algorithm.js';
import { canImportKeys, type KeyImporter } from './key-importer.js';
import { keyUriScheme, redactKeyUri } from './key-uri.js';
import type { KeyStore, Signer } from './signer.js';

/**
 * Dispatches each key URI to the KeyStore of its scheme: `file:` to FileKeyStore today, `pkcs11:` (RFC 7512) to a
 * token-backed store later. server/ builds one router with every backend it enables; ca/ takes it as the narrow
 * `Pick<KeyStore, 'generate' | 'open'>` it needs, so adding a backend touches neither ca/ nor this file.
 */
export class KeyStoreRouter implements KeyImporter {
  readonly #stores: ReadonlyMap<string, KeyStore>;

  constructor(stores: readonly KeyStore[]) {
    const byScheme = new Map<string, KeyStore>();
    for (const store of stores) {
      const scheme = store.scheme.toLowerCase();
      if (byScheme.has(scheme)) {
        throw new PkiError('CONFIG_INVALID', `two key stores serve the scheme '${scheme}:'`);
      }
      byScheme.set(scheme, store);
    }
    this.#stores = byScheme;
  }

  /** The schemes served, e.g. `['file']`. */
  get schemes(): readonly string[] {
    return [...this.#stores.keys()];
  }

  async generate(uri: string, algorithm: KeyAlgorithmName): Promise<Signer> {
    return this.#storeFor(uri).generate(uri, algorithm);
  }

  async open(uri: string): Promise<Signer> {
    return this.#storeFor(uri).open(uri);
  }

  /** Refuses (CONFIG_INVALID) when the scheme's store cannot take external keys. */
  async importKey(uri: string, key: PrivateKey): Promise<Signer> {
    const store = this.#storeFor(uri);
    if (!canImportKeys(store)) {
      throw new PkiError(
        'CONFIG_INVALID',
        `key URI ${redactKeyUri(uri)}: the '${store.scheme}:' key store cannot import existing keys`,
      );
    }
    return store.importKey(uri, key);
  }

  #storeFor(uri: string): KeyStore {
    const scheme = keyUriScheme(uri);
    const store = this.#stores.get(scheme);
    if (!store) {
      const known = this.schemes.map((s) => `${s}:`).join(', ') || 'none';
      throw new PkiError(
        'CONFIG_INVALID',
        `key URI ${redactKeyUri(uri)}: no key store serves '${scheme}:' URIs (known: ${known})`,
      );
    }
    return store;
  }
}
