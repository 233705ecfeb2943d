/**
 * Signatures per second of a file-key Signer against node's synchronous crypto.sign, the reference measured in
 * the same run. Run with `node --import tsx bench/signer.ts [rounds] [seconds per case]`. The cases alternate
 * round by round and each reports its median, so load from other processes touches all of them alike.
 *
 * (a) sync: crypto.sign in a loop on the main thread, the reference;
 * (b) Signer, 1 in flight: one caller awaiting each signature (a ceremony, a CRL);
 * (c) Signer, 64 in flight: the CA under load, signatures spread over the libuv threadpool.
 */
import { randomBytes, sign as nodeSign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../src/pki/algorithms/key-algorithm.js';
import { FileKeyStore } from '../src/keys/file-key-store.js';
import { formatKeyUri } from '../src/keys/key-uri.js';
import type { Signer } from '../src/keys/signer.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const SECONDS = Number(process.argv[3] ?? 1);
/** About the size of a device certificate's TBSCertificate. */
const DATA = randomBytes(512);

function measureSync(signOnce: () => void): number {
  let count = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) signOnce();
    count += 100;
  }
  return (count * 1000) / (performance.now() - start);
}

async function measureSigner(signer: Signer, inFlight: number): Promise<number> {
  let count = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await signer.sign(DATA);
      count++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (count * 1000) / (performance.now() - start);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'certfleet-bench-signer-'));
  try {
    const key = generateKeyPair('ec-p256');
    const store = new FileKeyStore({
      env: { CERTFLEET_BENCH_PASSPHRASE: randomBytes(32).toString('base64url') },
    });
    const uri = formatKeyUri({
      scheme: 'file',
      path: join(folder, 'bench.key.pem'),
      params: new Map([['passphrase-source', 'env:CERTFLEET_BENCH_PASSPHRASE']]),
    });
    await store.importKey(uri, key);
    const signer = await store.open(uri);

    // Warm up both paths (JIT, threadpool start-up) before measuring.
    for (let i = 0; i < 2000; i++) nodeSign('sha256', DATA, key.material);
    await Promise.all(Array.from({ length: 2000 }, () => signer.sign(DATA)));

    const cases: ReadonlyArray<[string, () => Promise<number>]> = [
      [
        '(a) sync crypto.sign loop',
        () => Promise.resolve(measureSync(() => nodeSign('sha256', DATA, key.material))),
      ],
      ['(b) Signer, 1 in flight', () => measureSigner(signer, 1)],
      ['(c) Signer, 64 in flight', () => measureSigner(signer, 64)],
    ];
    const samples = cases.map((): number[] => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, [, measure]] of cases.entries()) samples[index]?.push(await measure());
    }
    const medians = samples.map(median);
    const reference = medians[0] ?? 1;
    console.log(
      `P-256 ecdsa-with-SHA256, ${DATA.length}-byte input, median of ${ROUNDS} rounds of ${SECONDS}s per case; ` +
        `node ${process.version}, ` +
        `${availableParallelism()} CPUs, UV_THREADPOOL_SIZE=${process.env['UV_THREADPOOL_SIZE'] ?? '4 (default)'}`,
    );
    for (const [index, [name]] of cases.entries()) {
      const perSecond = medians[index] ?? 0;
      const rounds = (samples[index] ?? []).map((sample) => Math.round(sample / 1000)).join(' ');
      console.log(
        `${name.padEnd(28)} ${Math.round(perSecond).toString().padStart(8)} signatures/s  ` +
          `×${(perSecond / reference).toFixed(2)}  (rounds, k/s: ${rounds})`,
      );
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

await main();
