import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPkiError } from '../../../core/pki-error.js';
import { encodePem } from '../../../pki/pem.js';
import { decodeEstBody, encodeEstBody } from './est-body.js';

// A DER SEQUENCE of 200 bytes: long enough to wrap, with every residue of the base64 length covered below.
const der = new Uint8Array(200).map((_, i) => (i === 0 ? 0x30 : i === 1 ? 0x81 : i === 2 ? 197 : i * 7));
const flat = Buffer.from(der).toString('base64');

test('RFC 8951 bodies: base64 wrapped or not, with any whitespace, PEM and raw DER all decode', () => {
  const wrapped76 = flat.replace(/(.{76})/g, '$1\r\n');
  const cases: Array<[string, string | Uint8Array]> = [
    ['single line', flat],
    ['single line with trailing LF (curl -d keeps none, files do)', `${flat}\n`],
    ['64-column LF', encodeEstBody(der)],
    ['76-column CRLF (MIME)', wrapped76],
    ['LF only', flat.replace(/(.{64})/g, '$1\n')],
    ['spaces and tabs anywhere', ` \t${flat.replace(/(.{5})/g, '$1 \t')}\t `],
    ['bytes of base64', new Uint8Array(Buffer.from(encodeEstBody(der)))],
    ['padding left off', flat.replace(/=+$/, '')],
    ['PEM armour', encodePem('CERTIFICATE REQUEST', der)],
    [
      'PEM armour with CRLF and text around it',
      `subject=x\r\n${encodePem('PKCS7', der).replace(/\n/g, '\r\n')}`,
    ],
    ['raw DER', der],
    ['raw DER read as latin1 text', Buffer.from(der).toString('latin1')],
  ];
  for (const [name, body] of cases) assert.deepEqual(decodeEstBody(body, 'CSR'), der, name);
});

test('encodeEstBody wraps at 64 characters with LF line ends (no CR, which GNU base64 -d refuses)', () => {
  const body = encodeEstBody(der);
  assert.ok(!body.includes('\r'));
  const lines = body.split('\n');
  assert.equal(lines.pop(), '', 'ends with LF');
  assert.ok(lines.slice(0, -1).every((line) => line.length === 64));
  assert.ok((lines.at(-1) ?? '').length <= 64);
  assert.equal(lines.join(''), flat);
});

test('malformed bodies are MALFORMED_INPUT with a one-line reason naming the object', () => {
  const cases: Array<[string, string | Uint8Array, RegExp]> = [
    ['empty string', '', /empty body/],
    ['empty bytes', new Uint8Array(0), /empty body/],
    ['whitespace only', ' \r\n\t', /empty body/],
    ['base64url alphabet', flat.slice(0, 8) + '-_' + flat.slice(10), /character '-' is not base64/],
    ['control character', `${flat.slice(0, 8)}\u0000${flat.slice(8)}`, /character 0x00 is not base64/],
    ['non-ASCII', `${flat.slice(0, 8)}é${flat.slice(8)}`, /character 0xe9 is not base64/],
    ['padding in the middle', `${flat.slice(0, 8)}==${flat.slice(8)}`, /misplaced '=' padding/],
    ['three padding characters', 'MAA===', /misplaced '=' padding/],
    ['padding on a wrong length', 'MAAAA=', /misplaced '=' padding/],
    ['impossible length', 'MAAAA', /base64 is truncated/],
    [
      'not a SEQUENCE',
      Buffer.from([0x02, 0x01, 0x00]).toString('base64'),
      /does not decode to a DER SEQUENCE/,
    ],
    ['truncated PEM', '-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n', /without a complete block/],
    ['two PEM blocks', encodePem('X', der) + encodePem('Y', der), /2 PEM blocks where one was expected/],
    ['PEM with a bad body', '-----BEGIN X-----\n@@@@\n-----END X-----\n', /not valid base64/],
    ['PEM of a non-SEQUENCE', encodePem('X', new Uint8Array([4, 0])), /does not decode to a DER SEQUENCE/],
    ['binary read as UTF-8', '0\u0082\ufffd', /binary body was read as text/],
  ];
  for (const [name, body, reason] of cases) {
    assert.throws(
      () => decodeEstBody(body, 'certificate signing request'),
      (e) =>
        isPkiError(e, 'MALFORMED_INPUT') &&
        e.message.startsWith('certificate signing request: ') &&
        reason.test(e.message) &&
        !e.message.includes('\n'),
      name,
    );
  }
});
