import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { isPkiError, type PkiErrorCode } from '../core/pki-error.js';
import {
  generateKeyPair,
  KEY_ALGORITHMS,
  privateKeyToPkcs8,
  publicKeyFromSpki,
} from '../pki/algorithms/key-algorithm.js';
import { defaultSignatureAlgorithm } from '../pki/algorithms/signature-algorithm.js';
import { encodePem } from '../pki/pem.js';
import { FileKeyStore } from './file-key-store.js';
import { formatKeyUri } from './key-uri.js';
import { createPassphraseFile } from './passphrase-file.js';
import type { Signer } from './signer.js';

const run = promisify(execFile);
const OPENSSL = '/usr/bin/openssl';
const PASSPHRASE = 'correct-horse-battery-staple-7f3a';
const WRONG_PASSPHRASE = 'incorrect-donkey-4411';
const ENV_NAME = 'CERTFLEET_TEST_KEY_PASSPHRASE';
const store = new FileKeyStore({ env: { [ENV_NAME]: PASSPHRASE } });

let folder = '';
before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'certfleet-keys-'));
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A key URI in the test folder; `null` leaves out the passphrase-source. */
function keyUri(name: string, passphraseSource: string | null = `env:${ENV_NAME}`): string {
  const params = new Map(passphraseSource === null ? [] : [['passphrase-source', passphraseSource]]);
  return formatKeyUri({ scheme: 'file', path: join(folder, name), params });
}

/** Asserts the PkiError code and message, and that no passphrase appears anywhere in it, causes included. */
async function refused(action: Promise<unknown>, code: PkiErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(action, (e) => {
    assert.ok(isPkiError(e, code), inspect(e));
    assert.match(e.message, pattern);
    const everything = inspect(e, { depth: Infinity });
    for (const secret of [PASSPHRASE, WRONG_PASSPHRASE]) {
      assert.ok(!everything.includes(secret), `leaks a passphrase: ${e.message}`);
    }
    return true;
  });
}

async function assertSigns(signer: Signer): Promise<void> {
  const data = randomBytes(300);
  const signature = await signer.sign(data);
  const publicKey = publicKeyFromSpki(signer.spki);
  assert.ok(signer.signatureAlgorithm.verify(publicKey, data, signature), `${signer.keyAlgorithm} verifies`);
  assert.ok(!signer.signatureAlgorithm.verify(publicKey, randomBytes(300), signature), 'other data fails');
}

async function writeKeyFile(name: string, content: string | Uint8Array, mode = 0o600): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, content, { mode });
  await chmod(path, mode);
  return path;
}

for (const algorithm of KEY_ALGORITHMS) {
  test(`${algorithm}: generate, open, sign and verify with the pki signature algorithm`, async () => {
    const uri = keyUri(`${algorithm}.key.pem`);
    const generated = await store.generate(uri, algorithm);
    assert.equal(generated.keyAlgorithm, algorithm);
    assert.equal(generated.signatureAlgorithm, defaultSignatureAlgorithm(algorithm));
    assert.equal(generated.uri, uri);
    await assertSigns(generated);

    const opened = await store.open(uri);
    assert.equal(opened.keyAlgorithm, algorithm);
    assert.equal(opened.signatureAlgorithm, defaultSignatureAlgorithm(algorithm));
    assert.deepEqual(opened.spki, generated.spki);
    await assertSigns(opened);
  });
}

test('writes an encrypted PKCS#8 PEM with mode 0600 in new folders with mode 0700, leaving no temp file', async () => {
  const uri = formatKeyUri({
    scheme: 'file',
    path: join(folder, 'new', 'deeper', 'ca.key.pem'),
    params: new Map([['passphrase-source', `env:${ENV_NAME}`]]),
  });
  const signer = await store.generate(uri, 'ec-p256');
  const path = join(folder, 'new', 'deeper', 'ca.key.pem');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(folder, 'new'))).mode & 0o777, 0o700);
  assert.equal((await stat(join(folder, 'new', 'deeper'))).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(join(folder, 'new', 'deeper')), ['ca.key.pem']);
  const pem = await readFile(path, 'utf8');
  assert.match(
    pem,
    /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END ENCRYPTED PRIVATE KEY-----\n$/,
  );
  assert.ok(!pem.includes(PASSPHRASE));
  assert.ok(!inspect(signer, { depth: Infinity }).includes('PRIVATE KEY'));
});

test('the system openssl reads our key file with the passphrase file, and refuses a wrong one', async () => {
  const passphraseSource = await createPassphraseFile(join(folder, 'secrets', 'openssl.pass'));
  const passPath = passphraseSource.slice('file:'.length);
  const signer = await store.generate(keyUri('openssl.key.pem', passphraseSource), 'ec-p384');
  const keyPath = join(folder, 'openssl.key.pem');
  await run(OPENSSL, ['pkey', '-in', keyPath, '-passin', `file:${passPath}`, '-noout']);
  const { stdout } = await run(
    OPENSSL,
    ['pkey', '-in', keyPath, '-passin', `file:${passPath}`, '-pubout', '-outform', 'DER'],
    { encoding: 'buffer' },
  );
  assert.deepEqual(new Uint8Array(stdout), signer.spki);
  await assert.rejects(
    run(OPENSSL, ['pkey', '-in', keyPath, '-passin', `pass:${WRONG_PASSPHRASE}`, '-noout']),
  );
});

test('opens a key that openssl generated and encrypted', async () => {
  const passphraseSource = await createPassphraseFile(join(folder, 'secrets', 'from-openssl.pass'));
  const keyPath = join(folder, 'from-openssl.key.pem');
  await run(OPENSSL, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-aes-256-cbc',
    '-pass',
    passphraseSource,
    '-out',
    keyPath,
  ]);
  await chmod(keyPath, 0o600);
  const signer = await store.open(keyUri('from-openssl.key.pem', passphraseSource));
  assert.equal(signer.keyAlgorithm, 'ec-p256');
  await assertSigns(signer);
});

test('imports an in-memory key under the same rules', async () => {
  const key = generateKeyPair('ed25519');
  const uri = keyUri('imported.key.pem');
  const imported = await store.importKey(uri, key);
  assert.deepEqual(imported.spki, key.spki);
  assert.equal((await stat(join(folder, 'imported.key.pem'))).mode & 0o777, 0o600);
  const opened = await store.open(uri);
  assert.deepEqual(opened.spki, key.spki);
  await assertSigns(opened);
  await refused(store.importKey(uri, generateKeyPair('ed25519')), 'CONFLICT', /exists already/);
  assert.deepEqual((await store.open(uri)).spki, key.spki, 'the existing key is untouched');
});

test('refuses to generate over an existing file (CONFLICT), even when two callers race', async () => {
  const uri = keyUri('conflict.key.pem');
  const first = await store.generate(uri, 'ec-p256');
  const before = await readFile(join(folder, 'conflict.key.pem'));
  await refused(store.generate(uri, 'ec-p256'), 'CONFLICT', /exists already/);
  assert.deepEqual(await readFile(join(folder, 'conflict.key.pem')), before);
  assert.deepEqual((await store.open(uri)).spki, first.spki);

  const raced = keyUri('raced.key.pem');
  const results = await Promise.allSettled([
    store.generate(raced, 'ec-p256'),
    store.generate(raced, 'ec-p256'),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const refusal = results.find((r) => r.status === 'rejected');
  assert.ok(refusal && isPkiError(refusal.reason, 'CONFLICT'));
  assert.deepEqual(
    (await readdir(folder)).filter((name) => name.endsWith('.tmp')),
    [],
  );
});

test('opening a missing key is NOT_FOUND', async () => {
  await refused(store.open(keyUri('absent.key.pem')), 'NOT_FOUND', /absent\.key\.pem.*does not exist/);
});

test('a wrong passphrase is UNAUTHORIZED and never appears in the error', async () => {
  const uri = keyUri('wrong-pass.key.pem');
  await store.generate(uri, 'ec-p256');
  const wrong = new FileKeyStore({ env: { [ENV_NAME]: WRONG_PASSPHRASE } });
  await refused(wrong.open(uri), 'UNAUTHORIZED', /^the passphrase does not unlock key file:\/.*wrong-pass/);
});

test('a key file other users can access is refused (UNAUTHORIZED), telling the operator to chmod 600', async () => {
  const uri = keyUri('exposed.key.pem');
  await store.generate(uri, 'ec-p256');
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    await chmod(join(folder, 'exposed.key.pem'), mode);
    await refused(
      store.open(uri),
      'UNAUTHORIZED',
      /other users \(mode 0\d+\).*chmod 600 \/.*exposed\.key\.pem/,
    );
  }
  await chmod(join(folder, 'exposed.key.pem'), 0o400);
  await assertSigns(await store.open(uri));
});

test('malformed key files are MALFORMED_INPUT; unencrypted ones CONFIG_INVALID; PBES1 UNSUPPORTED_ALGORITHM', async () => {
  const valid = await readFile(join(folder, 'wrong-pass.key.pem'), 'utf8');
  const lines = valid.split('\n');
  const truncated = [...lines.slice(0, 3), ...lines.slice(-2)].join('\n');
  const unencrypted = encodePem('PRIVATE KEY', privateKeyToPkcs8(generateKeyPair('ec-p256')));
  const cases: Array<[string, string | Uint8Array, PkiErrorCode]> = [
    ['empty', '', 'MALFORMED_INPUT'],
    ['text', 'not a key at all\n', 'MALFORMED_INPUT'],
    ['binary', randomBytes(200), 'MALFORMED_INPUT'],
    ['certificate', '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n', 'MALFORMED_INPUT'],
    [
      'bad-base64',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\n!!!!\n-----END ENCRYPTED PRIVATE KEY-----\n',
      'MALFORMED_INPUT',
    ],
    [
      'not-der',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n',
      'MALFORMED_INPUT',
    ],
    ['no-end', lines.slice(0, -2).join('\n'), 'MALFORMED_INPUT'],
    ['truncated', truncated, 'MALFORMED_INPUT'],
    ['two-blocks', valid + valid, 'MALFORMED_INPUT'],
    ['oversized', 'A'.repeat(70 * 1024), 'MALFORMED_INPUT'],
    ['unencrypted', unencrypted, 'CONFIG_INVALID'],
  ];
  for (const [name, content, code] of cases) {
    await writeKeyFile(`malformed-${name}.pem`, content);
    await refused(store.open(keyUri(`malformed-${name}.pem`)), code, new RegExp(`malformed-${name}`));
  }

  const passphraseSource = await createPassphraseFile(join(folder, 'secrets', 'pbes1.pass'));
  const plainPath = await writeKeyFile('pbes1-plain.pem', unencrypted);
  const pbes1Path = join(folder, 'pbes1.key.pem');
  await run(OPENSSL, [
    'pkcs8',
    '-topk8',
    '-v1',
    'PBE-SHA1-3DES',
    '-in',
    plainPath,
    '-passout',
    passphraseSource,
    '-out',
    pbes1Path,
  ]);
  await chmod(pbes1Path, 0o600);
  await refused(store.open(keyUri('pbes1.key.pem', passphraseSource)), 'UNSUPPORTED_ALGORITHM', /PBES2/);
});

test('key URIs without a passphrase-source, with inline secrets, other attributes or schemes are CONFIG_INVALID', async () => {
  await refused(
    store.generate(keyUri('no-source.key.pem', null), 'ec-p256'),
    'CONFIG_INVALID',
    /passphrase-source/,
  );
  await refused(store.open(keyUri('wrong-pass.key.pem', null)), 'CONFIG_INVALID', /passphrase-source/);
  await refused(
    store.generate(`file:${join(folder, 'inline.key.pem')}?passphrase=${PASSPHRASE}`, 'ec-p256'),
    'CONFIG_INVALID',
    /use|passphrase-source=env:/,
  );
  await refused(
    store.generate(`${keyUri('attr.key.pem')}&format=der`, 'ec-p256'),
    'CONFIG_INVALID',
    /unknown attribute 'format'/,
  );
  await refused(store.open('pkcs11:token=CA;object=root?pin-source=env:PIN'), 'CONFIG_INVALID', /only file:/);
  await refused(
    store.generate(keyUri('unset-env.key.pem', 'env:CERTFLEET_TEST_UNSET'), 'ec-p256'),
    'CONFIG_INVALID',
    /env:CERTFLEET_TEST_UNSET/,
  );
  assert.deepEqual(
    (await readdir(folder)).filter((name) => /no-source|inline|attr|unset-env/.test(name)),
    [],
  );
});

test('the signer keeps the canonical URI and signs many requests concurrently', async () => {
  const signer = await store.generate(keyUri('concurrent.key.pem'), 'ec-p256');
  const reopened = await store.open(
    `file://localhost${join(folder, 'concurrent.key.pem')}?passphrase-source=env:${ENV_NAME}`,
  );
  assert.equal(reopened.uri, signer.uri);
  const publicKey = publicKeyFromSpki(signer.spki);
  const data = Array.from({ length: 64 }, () => randomBytes(200));
  const signatures = await Promise.all(data.map((d) => reopened.sign(d)));
  signatures.forEach((signature, i) => {
    assert.ok(signer.signatureAlgorithm.verify(publicKey, data[i] ?? new Uint8Array(), signature));
  });
});
