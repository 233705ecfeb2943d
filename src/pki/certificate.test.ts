import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestCertificate, makeTestHierarchy } from '../../test/helpers/pki-fixtures.js';
import { assertParserOnlyRaisesPkiErrors } from '../../test/helpers/fuzz.js';
import { isPkiError } from '../core/pki-error.js';
import { publicKeyFromSpki } from './algorithms/key-algorithm.js';
import { parseCertificate, verifyCertificateSignature } from './certificate.js';
import { keyIdentifierOf } from './extensions.js';
import { encodePem } from './pem.js';

test('a parsed certificate exposes its fields and verifies against its issuer only', () => {
  const { root, intermediate, leaf } = makeTestHierarchy();
  const cert = parseCertificate(encodePem('CERTIFICATE', leaf.cert.der));
  assert.equal(cert.version, 3);
  assert.equal(cert.subjectText, 'CN=device-1');
  assert.equal(cert.issuerText, 'CN=Test Issuing CA');
  assert.match(cert.serial, /^[4-7][0-9a-f]{31}$/);
  assert.equal(cert.keyAlgorithm, 'ec-p256');
  assert.equal(cert.selfIssued, false);
  assert.deepEqual(cert.extensions.subjectKeyId, keyIdentifierOf(leaf.key.spki));
  assert.deepEqual(cert.extensions.authorityKeyId, intermediate.cert.extensions.subjectKeyId);
  assert.equal(verifyCertificateSignature(cert, publicKeyFromSpki(intermediate.cert.spkiDer)), true);
  assert.equal(verifyCertificateSignature(cert, publicKeyFromSpki(root.cert.spkiDer)), false);
  assert.equal(root.cert.selfIssued, true);
});

test('every key type signs certificates that verify', () => {
  for (const algorithm of ['ec-p256', 'ec-p384', 'ed25519', 'rsa-2048', 'rsa-3072'] as const) {
    const { intermediate, leaf } = makeTestHierarchy(algorithm);
    assert.equal(leaf.cert.keyAlgorithm, algorithm);
    assert.ok(verifyCertificateSignature(leaf.cert, publicKeyFromSpki(intermediate.cert.spkiDer)), algorithm);
  }
});

test('GeneralizedTime validity after 2049 round-trips', () => {
  const cert = makeTestCertificate({ subject: 'long', notAfter: new Date('9999-12-31T23:59:59Z') });
  assert.equal(cert.cert.notAfter.toISOString(), '9999-12-31T23:59:59.000Z');
});

test('fuzz: mutated certificates only ever raise PkiError', () => {
  assertParserOnlyRaisesPkiErrors(makeTestHierarchy().leaf.cert.der, parseCertificate);
});

test('malformed certificates are MALFORMED_INPUT', () => {
  for (const input of [
    '',
    'garbage',
    '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----',
    new Uint8Array([0x30, 0x80]),
  ]) {
    assert.throws(
      () => parseCertificate(input),
      (e) => isPkiError(e, 'MALFORMED_INPUT'),
    );
  }
});
