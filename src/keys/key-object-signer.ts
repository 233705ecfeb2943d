import { PkiError } from '../core/pki-error.js';
import type { KeyAlgorithmName, PrivateKey } from '../pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm, type SignatureAlgorithm } from '../pki/algorithms/signature-algorithm.js';
import type { Signer } from './signer.js';

/**
 * A Signer over a key decrypted once into process memory (file keys). The KeyObject is imported when the key
 * is opened and reused for every signature; importing is far costlier than signing.
 *
 * `sign` uses node's asynchronous crypto.sign, which runs on the libuv threadpool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), so concurrent signatures use every core and the event loop stays free for
 * requests. bench/signer.ts, P-256, 2 cores, Node 20, median of 15 interleaved rounds (on a machine shared with
 * other work): sync crypto.sign loop ≈ 35k/s; this Signer with 1 in flight ≈ 11–12k/s (×0.33: a lone caller
 * pays the threadpool round trip); with 64 in flight ≈ 50–52k/s (×1.47). The CA signs under concurrency, so
 * async wins; when other processes already hold the cores the gap narrows (×1.06 in one busy run). The pool is
 * shared with fs and dns.lookup, which queue behind signatures at full load.
 */
export class KeyObjectSigner implements Signer {
  readonly uri: string;
  readonly keyAlgorithm: KeyAlgorithmName;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly spki: Uint8Array;
  /** A private field, so the key never shows in util.inspect, JSON or a structured log of the signer. */
  readonly #key: PrivateKey;

  constructor(
    uri: string,
    key: PrivateKey,
    signatureAlgorithm: SignatureAlgorithm = defaultSignatureAlgorithm(key.algorithm),
  ) {
    if (!signatureAlgorithm.keyAlgorithms.includes(key.algorithm)) {
      throw new PkiError(
        'UNSUPPORTED_ALGORITHM',
        `${signatureAlgorithm.name} cannot be used with a ${key.algorithm} key`,
      );
    }
    this.uri = uri;
    this.keyAlgorithm = key.algorithm;
    this.signatureAlgorithm = signatureAlgorithm;
    this.spki = key.spki;
    this.#key = key;
  }

  sign(data: Uint8Array): Promise<Uint8Array> {
    return this.signatureAlgorithm.signAsync(this.#key, data).catch((error: unknown) => {
      throw new PkiError('INTERNAL', `signing with key ${this.uri} failed`, { cause: error });
    });
  }
}
