import { PkiError } from '../core/pki-error.js';
import { generateKeyPair, type KeyAlgorithmName, type PrivateKey } from '../pki/algorithms/key-algorithm.js';
import { decryptPrivateKeyPem, encryptPrivateKeyPem } from './encrypted-private-key.js';
import type { KeyImporter } from './key-importer.js';
import { KeyObjectSigner } from './key-object-signer.js';
import { formatKeyUri, parseKeyUri, redactKeyUri } from './key-uri.js';
import { readPrivateFile, refuseExisting, writePrivateFile } from './private-file.js';
import { resolveSecretReference, type SecretEnvironment } from './secret-reference.js';
import type { KeyStore, Signer } from './signer.js';

export interface FileKeyStoreOptions {
  /** Where `passphrase-source=env:NAME` is looked up; `process.env` by default. */
  readonly env?: SecretEnvironment;
}

/** The one query attribute of a `file:` key URI. */
const PASSPHRASE_SOURCE = 'passphrase-source';
/** An RSA-4096 encrypted PKCS#8 PEM is about 3.4 kB; anything past this is not a key file. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

interface FileKeyTarget {
  readonly path: string;
  /** Canonical form (absolute path); holds a reference, never a secret, so it is the Signer's `uri`. */
  readonly uri: string;
  /** For messages and logs. */
  readonly name: string;
  readonly passphraseSource: string;
}

/**
 * Keys as PKCS#8 EncryptedPrivateKeyInfo PEM files, named by
 * `file:/path/key.pem?passphrase-source=env:NAME|file:/path/secret`. Files are written with mode 0600 (folders
 * 0700), atomically, never over an existing file; a key file other users can access is refused when opened,
 * as ssh refuses one. Opening decrypts once; the Signer keeps the key in memory.
 */
export class FileKeyStore implements KeyStore, KeyImporter {
  readonly scheme = 'file';
  readonly #env: SecretEnvironment | undefined;

  constructor(options: FileKeyStoreOptions = {}) {
    this.#env = options.env;
  }

  async generate(uri: string, algorithm: KeyAlgorithmName): Promise<Signer> {
    const target = this.#target(uri);
    await refuseExisting(target.path, `key ${target.name}`);
    const passphrase = await this.#passphrase(target);
    return this.#write(target, generateKeyPair(algorithm), passphrase);
  }

  async importKey(uri: string, key: PrivateKey): Promise<Signer> {
    const target = this.#target(uri);
    await refuseExisting(target.path, `key ${target.name}`);
    return this.#write(target, key, await this.#passphrase(target));
  }

  async open(uri: string): Promise<Signer> {
    const target = this.#target(uri);
    const pem = await readPrivateFile(target.path, {
      what: `key ${target.name}`,
      missing: 'NOT_FOUND',
      exposed: 'UNAUTHORIZED',
      invalid: 'MALFORMED_INPUT',
      maxBytes: MAX_KEY_FILE_BYTES,
    });
    const passphrase = await this.#passphrase(target);
    const key = decryptPrivateKeyPem(pem.toString('latin1'), passphrase, target.name);
    return new KeyObjectSigner(target.uri, key);
  }

  async #write(target: FileKeyTarget, key: PrivateKey, passphrase: string): Promise<Signer> {
    await writePrivateFile(target.path, encryptPrivateKeyPem(key, passphrase), `key ${target.name}`);
    return new KeyObjectSigner(target.uri, key);
  }

  #target(text: string): FileKeyTarget {
    const uri = parseKeyUri(text);
    const name = redactKeyUri(formatKeyUri(uri));
    if (uri.scheme !== this.scheme) {
      throw new PkiError('CONFIG_INVALID', `key URI ${name}: the file key store serves only file: URIs`);
    }
    for (const attribute of uri.params.keys()) {
      if (attribute !== PASSPHRASE_SOURCE) {
        throw new PkiError(
          'CONFIG_INVALID',
          `key URI ${name}: unknown attribute '${attribute}'; a file: key URI takes only ${PASSPHRASE_SOURCE}`,
        );
      }
    }
    const passphraseSource = uri.params.get(PASSPHRASE_SOURCE);
    if (passphraseSource === undefined) {
      throw new PkiError(
        'CONFIG_INVALID',
        `key URI ${name}: no ${PASSPHRASE_SOURCE}; file keys are always encrypted, so name the passphrase, ` +
          `e.g. ?${PASSPHRASE_SOURCE}=env:CERTFLEET_CA_PASSPHRASE or ?${PASSPHRASE_SOURCE}=file:/path/to/secret`,
      );
    }
    return { path: uri.path, uri: formatKeyUri(uri), name, passphraseSource };
  }

  #passphrase(target: FileKeyTarget): Promise<string> {
    return resolveSecretReference(target.passphraseSource, {
      purpose: `${PASSPHRASE_SOURCE} of key ${target.name}`,
      ...(this.#env === undefined ? {} : { env: this.#env }),
    });
  }
}
