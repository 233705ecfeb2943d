import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { isPkiError, type PkiErrorCode } from '../core/pki-error.js';
import { generateKeyPair, privateKeyToPkcs8 } from '../pki/algorithms/key-algorithm.js';
import { encodePem, readDerOrPem } from '../pki/pem.js';
import { Pbes2Params } from '../pki/asn1/pbes2-params.js';
import {
  decryptPrivateKeyPem,
  encryptPrivateKeyPem,
  ENCRYPTED_PRIVATE_KEY_LABEL,
} from './encrypted-private-key.js';

const run = promisify(execFile);
const OPENSSL = '/usr/bin/openssl';
const PASSPHRASE = 'pbes2-test-passphrase-91c2';
const key = generateKeyPair('ec-p256');
const pem = encryptPrivateKeyPem(key, PASSPHRASE);

let folder = '';
before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'certfleet-pkcs8-'));
  await writeFile(join(folder, 'plain.pem'), encodePem('PRIVATE KEY', privateKeyToPkcs8(key)), {
    mode: 0o600,
  });
  await writeFile(join(folder, 'pass'), `${PASSPHRASE}\n`, { mode: 0o600 });
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
});

test('round-trips through encrypt and decrypt', () => {
  assert.deepEqual(decryptPrivateKeyPem(pem, PASSPHRASE, 'file:/k').spki, key.spki);
});

/** A throwaway P-256 test key, fixed so that the wrong passphrases below are known to pass the CBC padding. */
const FIXTURE = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiMkt3gWs1EWgICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEPfZ2I5VVl5cdlx5s2S1vOEEgZC6
6INg4lfR9c7x46zwSCkb6qa1GdZKtcSR0l++8xDcIlKzuBu6V6nTR7k0kXcT1ETB
7iCqyX4FSrapwjswGtZETGeDrcoOQgIdrWn9w87dvYmnCBl0IsZaeKBdtZ4ynoXQ
wpchihLw8nn7KkBGPuumTlhHeHaGpx4gIo/oEjGodaUs33I2MwaDOCWAs/CIDAs=
-----END ENCRYPTED PRIVATE KEY-----
`;

test('every wrong passphrase reads as UNAUTHORIZED, including those whose padding happens to decrypt', () => {
  assert.equal(decryptPrivateKeyPem(FIXTURE, 'fixture-passphrase', 'file:/k').algorithm, 'ec-p256');
  // wrong-0: OpenSSL "bad decrypt". The others pass the CBC padding check (about one in 256 does) and fail in
  // an ASN.1 decoder instead: "wrong tag", "wrong tag", "header too long".
  for (const wrong of ['wrong-0', 'wrong-333', 'wrong-587', 'wrong-1054']) {
    assert.throws(
      () => decryptPrivateKeyPem(FIXTURE, wrong, 'file:/k'),
      (e) => isPkiError(e, 'UNAUTHORIZED') && e.message === 'the passphrase does not unlock key file:/k',
      wrong,
    );
  }
});

test('accepts what openssl writes with PBES2, PBKDF2 and AES-CBC; refuses other schemes by name', async () => {
  const cases: Array<[string[], PkiErrorCode | null]> = [
    [['-v2', 'aes-256-cbc'], null],
    [['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1'], null],
    [['-v2', 'aes-192-cbc', '-v2prf', 'hmacWithSHA512', '-iter', '100000'], null],
    [['-v2', 'des3'], 'UNSUPPORTED_ALGORITHM'],
    [['-scrypt'], 'UNSUPPORTED_ALGORITHM'],
    [['-v1', 'PBE-SHA1-3DES'], 'UNSUPPORTED_ALGORITHM'],
  ];
  for (const [options, code] of cases) {
    const out = join(folder, 'variant.pem');
    await run(OPENSSL, [
      'pkcs8',
      '-topk8',
      ...options,
      '-in',
      join(folder, 'plain.pem'),
      '-passout',
      `file:${join(folder, 'pass')}`,
      '-out',
      out,
    ]);
    const variant = await readFile(out, 'utf8');
    if (code === null) {
      assert.deepEqual(
        decryptPrivateKeyPem(variant, PASSPHRASE, 'file:/k').spki,
        key.spki,
        options.join(' '),
      );
    } else {
      assert.throws(
        () => decryptPrivateKeyPem(variant, PASSPHRASE, 'file:/k'),
        (e) => isPkiError(e, code) && /openssl pkcs8 -topk8 -v2 aes-256-cbc/.test(e.message),
        options.join(' '),
      );
    }
  }
});

test('damaged encryption parameters are MALFORMED_INPUT, not a passphrase problem', () => {
  const info = AsnConvert.parse(
    readDerOrPem(pem, [ENCRYPTED_PRIVATE_KEY_LABEL], 'key'),
    EncryptedPrivateKeyInfo,
  );
  const params = AsnConvert.parse(info.encryptionAlgorithm.parameters ?? new ArrayBuffer(0), Pbes2Params);
  params.encryptionScheme.parameters = AsnConvert.serialize(new OctetString(new Uint8Array(8)));
  info.encryptionAlgorithm.parameters = AsnConvert.serialize(params);
  const damaged = encodePem(ENCRYPTED_PRIVATE_KEY_LABEL, new Uint8Array(AsnConvert.serialize(info)));
  assert.throws(
    () => decryptPrivateKeyPem(damaged, PASSPHRASE, 'file:/k'),
    (e) => isPkiError(e, 'MALFORMED_INPUT') && /IV/.test(e.message),
  );
});
