import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPkiError, PkiError } from '../core/pki-error.js';
import { generateKeyPair, type KeyAlgorithmName } from '../pki/algorithms/key-algorithm.js';
import { KeyObjectSigner } from './key-object-signer.js';
import { KeyStoreRouter } from './key-store-router.js';
import type { KeyStore, Signer } from './signer.js';

/** A store that records what reached it, standing in for a backend (e.g. a future PKCS#11 one). */
class RecordingKeyStore implements KeyStore {
  readonly calls: string[] = [];
  constructor(readonly scheme: string) {}
  generate(uri: string, algorithm: KeyAlgorithmName): Promise<Signer> {
    this.calls.push(`generate ${uri}`);
    return Promise.resolve(new KeyObjectSigner(uri, generateKeyPair(algorithm)));
  }
  open(uri: string): Promise<Signer> {
    this.calls.push(`open ${uri}`);
    return Promise.reject(new PkiError('NOT_FOUND', 'absent'));
  }
}

test('dispatches by scheme, case-insensitively, passing the URI through unchanged', async () => {
  const file = new RecordingKeyStore('file');
  const token = new RecordingKeyStore('pkcs11');
  const router = new KeyStoreRouter([file, token]);
  assert.deepEqual(router.schemes, ['file', 'pkcs11']);
  const signer = await router.generate('PKCS11:token=CA;object=root?pin-source=env:PIN', 'ec-p256');
  assert.equal(signer.keyAlgorithm, 'ec-p256');
  await assert.rejects(router.open('file:/k.pem?passphrase-source=env:X'), (e) => isPkiError(e, 'NOT_FOUND'));
  assert.deepEqual(token.calls, ['generate PKCS11:token=CA;object=root?pin-source=env:PIN']);
  assert.deepEqual(file.calls, ['open file:/k.pem?passphrase-source=env:X']);
});

test('an unknown scheme is CONFIG_INVALID listing the known ones, with the URI redacted', async () => {
  const router = new KeyStoreRouter([new RecordingKeyStore('file')]);
  await assert.rejects(
    router.open('pkcs11:token=CA?pin-value=hunter2'),
    (e) =>
      isPkiError(e, 'CONFIG_INVALID') &&
      /no key store serves 'pkcs11:'.*known: file:/.test(e.message) &&
      !e.message.includes('hunter2'),
  );
  await assert.rejects(router.generate('hunter2', 'ec-p256'), (e) => isPkiError(e, 'CONFIG_INVALID'));
});

test('importKey goes only to stores that can import', async () => {
  const router = new KeyStoreRouter([new RecordingKeyStore('pkcs11')]);
  await assert.rejects(
    router.importKey('pkcs11:token=CA', generateKeyPair('ec-p256')),
    (e) => isPkiError(e, 'CONFIG_INVALID') && /cannot import/.test(e.message),
  );
});

test('two stores for one scheme are refused', () => {
  assert.throws(
    () => new KeyStoreRouter([new RecordingKeyStore('file'), new RecordingKeyStore('FILE')]),
    (e) => isPkiError(e, 'CONFIG_INVALID'),
  );
});
