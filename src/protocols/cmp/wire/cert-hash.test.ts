import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { makeTestCertificate } from '../../../../test/helpers/pki-fixtures.js';
import { isPkiError } from '../../../core/pki-error.js';
import { CmpFailure } from '../cmp-failure.js';
import { certHash } from './cert-hash.js';

test("certHash uses the certificate's signature hash (RFC 9810 §5.3.18, RFC 9481 §2: SHA-512 for Ed25519)", () => {
  const cases = [
    ['ec-p256', 'sha256'],
    ['ec-p384', 'sha384'],
    ['ed25519', 'sha512'],
    ['rsa-2048', 'sha256'],
  ] as const;
  for (const [keyAlgorithm, hash] of cases) {
    const { cert } = makeTestCertificate({ subject: keyAlgorithm, keyAlgorithm });
    const expected = new Uint8Array(createHash(hash).update(cert.der).digest());
    assert.deepEqual(certHash(cert.der), expected, keyAlgorithm);
  }
});

test('hashAlg (pvno 3) overrides it; an unknown hashAlg or bytes that are no certificate are refused', () => {
  const { cert } = makeTestCertificate({ subject: 'x' });
  const sha512 = new Uint8Array(createHash('sha512').update(cert.der).digest());
  assert.deepEqual(certHash(cert.der, '2.16.840.1.101.3.4.2.3'), sha512);
  assert.throws(
    () => certHash(cert.der, '1.2.3'),
    (e) => e instanceof CmpFailure && e.failInfo === 'badAlg',
  );
  assert.throws(
    () => certHash(Uint8Array.of(0x04, 0x01, 0x00)),
    (e) => isPkiError(e, 'MALFORMED_INPUT'),
  );
  const notCertificate = Uint8Array.of(0x30, 0x06, 0x30, 0x00, 0x30, 0x02, 0x04, 0x00);
  assert.throws(
    () => certHash(notCertificate),
    (e) => e instanceof CmpFailure && e.failInfo === 'badDataFormat',
  );
});
