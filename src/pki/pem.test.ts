import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPkiError } from '../core/pki-error.js';
import {
  decodeBase64,
  decodePemBlocks,
  encodeBase64Lines,
  encodePem,
  readDerOrPem,
  readPemAll,
} from './pem.js';

const der = new Uint8Array(100).map((_, i) => (i === 0 ? 0x30 : i));

test('PEM round-trips with 64-character lines', () => {
  const pem = encodePem('CERTIFICATE', der);
  assert.ok(pem.split('\n').every((line) => line.length <= 64));
  assert.deepEqual(readDerOrPem(pem, ['CERTIFICATE'], 'x'), der);
  assert.deepEqual(decodePemBlocks(pem + pem).length, 2);
  assert.equal(readPemAll(pem + encodePem('X509 CRL', der) + pem, 'CERTIFICATE', 'chain').length, 2);
});

test('base64 with any whitespace is accepted; CRLF line endings on output when asked', () => {
  const wrapped = encodeBase64Lines(der, '\r\n');
  assert.ok(wrapped.includes('\r\n'));
  assert.deepEqual(decodeBase64(wrapped, 'x'), der);
  assert.deepEqual(
    decodeBase64(
      ` ${Buffer.from(der)
        .toString('base64')
        .replace(/(.{10})/g, '$1\t\n ')} `,
      'x',
    ),
    der,
  );
});

test('malformed base64 and PEM are MALFORMED_INPUT naming the object', () => {
  const cases: Array<[string, string]> = [
    ['abc', 'not valid base64'],
    ['ab=c', 'not valid base64'],
    ['@@@@', 'not valid base64'],
    ['', 'empty input'],
    ['-----BEGIN CERTIFICATE-----\nAAAA\n', 'no complete PEM block'],
    [encodePem('PRIVATE KEY', der), 'found PRIVATE KEY'],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => readDerOrPem(input, ['CERTIFICATE'], 'certificate'),
      (e) =>
        isPkiError(e, 'MALFORMED_INPUT') &&
        e.message.startsWith('certificate') &&
        e.message.includes(message),
      JSON.stringify(input.slice(0, 30)),
    );
  }
});
