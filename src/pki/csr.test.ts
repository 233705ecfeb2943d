import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertParserOnlyRaisesPkiErrors } from '../../test/helpers/fuzz.js';
import { isPkiError } from '../core/pki-error.js';
import { generateKeyPair, KEY_ALGORITHMS } from './algorithms/key-algorithm.js';
import { signatureAlgorithm } from './algorithms/signature-algorithm.js';
import { buildCsr, MAX_CSR_BYTES, parseCsr } from './csr.js';
import { keyUsageExtension } from './extensions.js';
import type { AltName } from './general-names.js';
import { buildName } from './name.js';
import { encodePem } from './pem.js';

const subject = buildName([
  { type: 'O', value: 'Acme' },
  { type: 'serialNumber', value: 'SN-0001' },
  { type: 'CN', value: 'sensor 1' },
]);

test('a CSR built for each key type parses, verifies and keeps its names', () => {
  const altNames: AltName[] = [
    { type: 'uri', value: 'urn:dev:ops:acme-sensor-SN-0001' },
    { type: 'dns', value: 'sensor1.example' },
    { type: 'ip', value: '10.1.2.3' },
    { type: 'ip', value: '2001:db8::7' },
    { type: 'permanentIdentifier', value: 'SN-0001', assigner: '1.3.6.1.4.1.99999' },
    { type: 'hardwareModuleName', hwType: '1.3.6.1.4.1.99999.1', serialHex: '00a1b2' },
  ];
  for (const algorithm of KEY_ALGORITHMS.filter((a) => a !== 'rsa-4096')) {
    const key = generateKeyPair(algorithm);
    const csr = parseCsr(buildCsr({ subject, altNames, challengePassword: 'abc' }, key));
    assert.equal(csr.keyAlgorithm, algorithm);
    assert.equal(csr.subjectText, 'CN=sensor 1,serialNumber=SN-0001,O=Acme');
    assert.deepEqual(csr.altNames, altNames);
    assert.equal(csr.challengePassword, 'abc');
    assert.deepEqual(csr.spkiDer, key.spki);
  }
});

test('PEM, bare base64 and DER inputs are all accepted', () => {
  const der = buildCsr({ subject }, generateKeyPair('ec-p256'));
  const pem = encodePem('CERTIFICATE REQUEST', der);
  for (const input of [
    der,
    pem,
    pem.replaceAll('CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'),
    Buffer.from(der).toString('base64'),
  ]) {
    assert.deepEqual(parseCsr(input).der, der);
  }
});

test('a CSR whose signature was tampered with is refused as BAD_SIGNATURE', () => {
  const der = buildCsr({ subject }, generateKeyPair('ec-p256'));
  const tampered = new Uint8Array(der);
  // Flip a bit inside the subject: the structure stays valid, the signature no longer matches.
  const at = Buffer.from(tampered).indexOf(Buffer.from('sensor 1'));
  tampered[at] = (tampered[at] ?? 0) ^ 0x01;
  assert.throws(
    () => parseCsr(tampered),
    (e) => isPkiError(e, 'BAD_SIGNATURE') && /proof of possession/.test(e.message),
  );
});

test('a CSR signed by another key is refused as BAD_SIGNATURE', () => {
  const key = generateKeyPair('ec-p256');
  const other = generateKeyPair('ec-p256');
  // Sign with `other` but present `key`'s public key.
  const forged = buildCsr({ subject }, { ...other, spki: key.spki });
  assert.throws(
    () => parseCsr(forged),
    (e) => isPkiError(e, 'BAD_SIGNATURE'),
  );
});

test('a signature algorithm that does not fit the key is refused', () => {
  const key = generateKeyPair('ec-p256');
  assert.throws(
    () => buildCsr({ subject }, key, signatureAlgorithm('sha256WithRSAEncryption')),
    (e) => isPkiError(e, 'UNSUPPORTED_ALGORITHM'),
  );
});

test('malformed inputs are MALFORMED_INPUT with a clear message, never a crash', () => {
  const der = buildCsr({ subject }, generateKeyPair('ec-p256'));
  const cases: Array<[string, Uint8Array | string]> = [
    ['empty', new Uint8Array(0)],
    ['garbage', new Uint8Array([0x30, 0x03, 0x02, 0x01])],
    ['truncated', der.subarray(0, der.length - 10)],
    ['trailing bytes', new Uint8Array([...der, 0x00])],
    ['bad base64', 'not*base64!'],
    ['wrong PEM label', encodePem('CERTIFICATE', der)],
    ['a certificate-shaped SEQUENCE', new Uint8Array([0x30, 0x00])],
  ];
  for (const [name, input] of cases) {
    assert.throws(
      () => parseCsr(input),
      (e) => isPkiError(e, 'MALFORMED_INPUT') && e.message.startsWith('certificate signing request'),
      name,
    );
  }
  assert.throws(
    () => parseCsr(new Uint8Array(MAX_CSR_BYTES + 1).fill(0x30)),
    (e) => isPkiError(e, 'PAYLOAD_TOO_LARGE'),
  );
});

test('fuzz: random bytes and mutated CSRs only ever raise PkiError', () => {
  const der = buildCsr(
    {
      subject,
      altNames: [{ type: 'uri', value: 'urn:x:y' }],
      extensions: [keyUsageExtension(['digitalSignature'])],
    },
    generateKeyPair('ec-p256'),
  );
  assertParserOnlyRaisesPkiErrors(der, parseCsr);
});
